import { HOME } from '../ussd.engine';
import type { Action, Menu } from '../ussd.types';

/** The first screen, the way out, and the offer to continue a dropped session. */
export const mainMenus: Record<string, Menu> = {
  main: {
    view: ({ t }) => ({
      body: [t.welcome],
      options: [
        { key: '1', label: t.mainContracts, next: { go: 'contracts' } },
        { key: '2', label: t.mainDelivery, next: { go: 'deliverable' } },
        { key: '3', label: t.mainPayments, next: { go: 'payments' } },
        { key: '4', label: t.mainHelp, next: { go: 'help' } },
        { key: '5', label: t.mainNew, next: { go: 'newRole' } },
        { key: '0', label: t.exit, next: { act: 'exit' } },
      ],
    }),
  },
  // Shown instead of the main menu when the phone's last session dropped past the main menu (ussd.hop.ts).
  resume: {
    view: ({ t }) => ({
      body: [t.resume],
      options: [
        { key: '1', label: t.yes, next: { act: 'resume' } },
        { key: '2', label: t.no, next: HOME },
      ],
      otherwise: HOME, // "2, or any other case, shows the main menu as usual"
    }),
  },
};

export const mainActions: Record<string, Action> = {
  exit: { mutates: false, run: async ({ t }) => ({ end: t.bye }) },
  // Nothing to change in the domain: the earlier session's screens come back from the session table.
  resume: {
    mutates: false,
    run: async (hop) => (hop.saved?.length ? { next: HOME, restore: hop.saved } : { next: HOME }),
  },
};
