import { BACK, HOME } from '../ussd.engine';
import { DOCS } from '../ussd.graphql';
import { TEXTS } from '../ussd.texts';
import type { Action, Lang, Menu } from '../ussd.types';

/** Help & Support, and the language, which the domain remembers per phone number. */
export const helpMenus: Record<string, Menu> = {
  help: {
    view: ({ t, config }) => ({
      body: [t.help, t.call(config.SUPPORT_PHONE), t.sms(config.SUPPORT_SMS_CODE)],
      options: [
        { key: '1', label: t.language, next: { go: 'language' } },
        { key: '2', label: t.changePin, next: { act: 'pinChangeStart' } },
        { key: '0', label: t.backToMain, next: BACK },
      ],
    }),
  },
  language: {
    view: ({ t }) => ({
      body: [t.language],
      options: [
        { key: '1', label: 'English', next: { act: 'setLanguage', p: { l: 'EN' } } },
        { key: '2', label: 'Kiswahili', next: { act: 'setLanguage', p: { l: 'SW' } } },
        { key: '0', label: t.back, next: BACK },
      ],
    }),
  },
};

export const helpActions: Record<string, Action> = {
  setLanguage: {
    mutates: true,
    async run(hop, p) {
      const lang: Lang = p.l === 'SW' ? 'SW' : 'EN';
      await hop.gql.run(DOCS.setLanguage, { language: lang });
      // The main menu, already in the new language, under a line that says what changed.
      return { next: HOME, flash: TEXTS[lang].languageSet, lang };
    },
  },
};
