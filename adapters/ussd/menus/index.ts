import { Engine } from '../ussd.engine';
import { contractActions, contractMenus } from './contracts.menu';
import { deadlineActions, deadlineMenus } from './deadline.menu';
import { deliveryActions, deliveryMenus } from './delivery.menu';
import { helpActions, helpMenus } from './help.menu';
import { mainActions, mainMenus } from './main.menu';
import { newContractActions, newContractMenus } from './new-contract.menu';
import { paymentMenus } from './payments.menu';
import { pinActions, pinMenus } from './pin.menu';

/** Every screen and action of the USSD menu, by name (the names are stored in sessions: keep them stable). */
export const MENUS = {
  ...mainMenus,
  ...contractMenus,
  ...deadlineMenus,
  ...deliveryMenus,
  ...paymentMenus,
  ...helpMenus,
  ...newContractMenus,
  ...pinMenus,
};
export const ACTIONS = {
  ...mainActions,
  ...contractActions,
  ...deadlineActions,
  ...deliveryActions,
  ...helpActions,
  ...newContractActions,
  ...pinActions,
};

export const createEngine = () => new Engine(MENUS, ACTIONS);
