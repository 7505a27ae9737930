/** Outbound SMS. Implementations: DevSmsSender (logs), Africa's Talking (adapters/africastalking). */
export interface SmsMessage {
  to: string; // E.164
  text: string; // one SMS: at most 160 GSM-7 characters
}

export interface SmsResult {
  /** Provider's message id, when it gives one. */
  messageId?: string;
  status: 'SENT' | 'REJECTED';
  detail?: string;
}

export interface SmsSender {
  readonly name: string;
  send(message: SmsMessage): Promise<SmsResult>;
}
