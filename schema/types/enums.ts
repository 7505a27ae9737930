import { registerEnumType } from 'type-graphql';
import { ContractStatus, PartyRole } from '../../src/contract/contract.enums';
import { DeliveryKind } from '../../src/delivery/delivery.entity';
import { DisputeOutcome, DisputeReason, DisputeStatus } from '../../src/dispute/dispute.entity';
import { PaymentKind, PaymentStatus } from '../../src/payment/payment.entity';
import { Language } from '../../src/profile/profile.entity';

registerEnumType(ContractStatus, { name: 'ContractStatus' });
registerEnumType(PartyRole, { name: 'PartyRole' });
registerEnumType(DeliveryKind, { name: 'DeliveryKind' });
registerEnumType(PaymentStatus, {
  name: 'PaymentStatus',
  description: 'LOCKED: a deposit held in escrow, or a release or refund on its way; SETTLED: a deposit all paid out',
});
registerEnumType(PaymentKind, { name: 'PaymentKind', description: 'One payment per movement of money' });
/** Who pays the escrow fee (issue 11); SPLIT: half each, the buyer covering an odd shilling. */
export enum FeePayer {
  BUYER = 'BUYER',
  SELLER = 'SELLER',
  SPLIT = 'SPLIT',
}
registerEnumType(FeePayer, { name: 'FeePayer' });
registerEnumType(DisputeReason, { name: 'DisputeReason' });
registerEnumType(DisputeStatus, { name: 'DisputeStatus' });
registerEnumType(DisputeOutcome, { name: 'DisputeOutcome' });
registerEnumType(Language, { name: 'Language' });

export {
  ContractStatus,
  PartyRole,
  DeliveryKind,
  PaymentStatus,
  PaymentKind,
  DisputeReason,
  DisputeStatus,
  DisputeOutcome,
  Language,
};
