import { Client } from 'pg';
import { ADMIN_KEY, startTestApp, type TestApp } from './support/app';
import { activeContract, contractState, newPhone, pendingContract } from './support/ussd-fixtures';
import { newSessionId, postEvent, postUssd, SERVICE_CODE, ussd } from './support/ussd-tester';

/** Replays, concurrent duplicates, continuing a dropped session, AT's end-of-session notification, metrics. */

let app: TestApp;
let phone: ReturnType<typeof ussd>;
let db: Client;
beforeAll(async () => {
  app = await startTestApp('ussd_sessions', { USSD_RATE_LIMIT_PER_MINUTE: '0' });
  phone = ussd(app.url);
  db = new Client({ connectionString: app.databaseUrl });
  await db.connect();
});
afterAll(async () => {
  await db.end();
  await app.close();
});

const hop = (sessionId: string, phoneNumber: string, text: string) =>
  postUssd(app.url, { sessionId, serviceCode: SERVICE_CODE, phoneNumber, text });
const sessionRow = async (sessionId: string) =>
  (await db.query('select * from ussd_sessions where session_id = $1', [sessionId])).rows[0];

describe('replays', () => {
  test('the same sessionId and text again returns the same reply and acts once', async () => {
    // The seller's lot is recorded at once (a buyer's lot goes on to the PIN: issue 11).
    const seller = newPhone();
    const c = await activeContract(app, { buyer: newPhone(), seller });
    const handset = phone.dial(seller).enter('2').enter('1').enter('2').enter('5').expect('Partial delivery noted.');
    const first = await handset;
    const again = await hop(handset.sessionId, seller, '2*1*2*5');
    expect(again.body).toBe(first.body);
    expect((await contractState(app, c.id)).deliveries).toHaveLength(1);
    expect((await sessionRow(handset.sessionId)).hops).toBe(5); // the replay was not a hop
  });

  test('two identical requests arriving together act once and answer alike', async () => {
    for (let round = 0; round < 4; round++) {
      const seller = newPhone();
      const c = await activeContract(app, { buyer: newPhone(), seller });
      const handset = phone.dial(seller).enter('2').enter('1').enter('2').expect('Quantity received?');
      await handset;
      const [a, b] = await Promise.all([
        hop(handset.sessionId, seller, '2*1*2*5'),
        hop(handset.sessionId, seller, '2*1*2*5'),
      ]);
      expect(a.body).toBe('CON Partial delivery noted.\nSMS will be sent for details.\n0. Main Menu\n00. Home');
      expect(b.body).toBe(a.body);
      expect((await contractState(app, c.id)).deliveries).toHaveLength(1);
    }
  });

  test('twin first requests of a new session (a shortcut that acts) create one session and act once', async () => {
    const buyer = newPhone();
    const c = await pendingContract(app, { buyer, seller: newPhone() });
    const sessionId = newSessionId();
    const answers = await Promise.all([
      hop(sessionId, buyer, '1*1*3'),
      hop(sessionId, buyer, '1*1*3'),
      hop(sessionId, buyer, '1*1*3'),
    ]);
    for (const a of answers)
      expect(a.body).toBe(`END Contract ${c.code} accepted.\nYou will get an SMS when it is active.`);
    expect(
      (await db.query('select count(*)::int as n from ussd_sessions where session_id = $1', [sessionId])).rows[0].n,
    ).toBe(1);
    const audit = await db.query(
      "select count(*)::int as n from audit_events where contract_id = $1 and action = 'accepted'",
      [c.id],
    );
    expect(audit.rows[0].n).toBe(1);
  });

  test('a new session replaying an old path cannot complete a delivery twice', async () => {
    const buyer = newPhone();
    const c = await activeContract(app, { buyer, seller: newPhone() });
    await phone
      .session(buyer)
      .send('2*1*1*1*2580*2580')
      .expectEnd('Full delivery confirmed!\nSeller will be notified.\nPayment will be released.');
    const again = await phone.session(buyer).send('2*1*1*1*2580*2580');
    expect(again.body).toMatch(/^CON Invalid selection/); // nothing left to confirm: the list is empty
    const state = await contractState(app, c.id);
    expect(state.deliveries).toHaveLength(1);
    expect(state.status).toBe('COMPLETED');
    const mine = await db.query(
      "select count(*)::int as n from audit_events where contract_id = $1 and action = 'release-requested'",
      [c.id],
    );
    expect(mine.rows[0].n).toBe(1); // one release of the escrow, however often the path is replayed
  });

  test('a stale resend of an earlier text is answered without losing the session', async () => {
    const me = newPhone();
    const handset = phone.dial(me).enter('4').enter('1').expect('Language / Lugha');
    await handset;
    // The request for "4" arrives again, late: it is answered as "4" would be...
    expect((await hop(handset.sessionId, me, '4')).screen).toMatch(/^VoicePact Help/);
    // ...and the session carries on from the path AT sends next.
    expect((await hop(handset.sessionId, me, '4*1*0')).screen).toMatch(/^VoicePact Help/);
  });
});

describe('continue where you left off', () => {
  async function droppedAtDetails(me: string) {
    const c = await pendingContract(app, { buyer: me, seller: newPhone(), product: 'Sorghum' });
    const dropped = phone.dial(me).enter('1').enter('1').expect(`\n${c.code}\n`);
    await dropped;
    // The network drops the session: AT tells us it ended incomplete.
    expect(
      await postEvent(app.url, {
        sessionId: dropped.sessionId,
        status: 'Incomplete',
        durationInMillis: '21000',
        hopsCount: '3',
        input: '1*1',
      }),
    ).toEqual({ status: 200, body: 'OK' });
    return c;
  }

  test('1 restores the screen where the dropped session stopped, with its way back', async () => {
    const me = newPhone();
    const c = await droppedAtDetails(me);
    await phone
      .dial(me)
      .expectScreen('Continue where you left off?\n1. Yes\n2. No\n0. Back\n00. Home')
      .enter('1')
      .expect(`Contract Details\n${c.code}\nProduct: Sorghum`)
      .enter('0')
      .expect(`1. ${c.code} Sorghum (PENDING)`)
      .enter('0')
      .expect('Welcome to VoicePact');
  });

  test('2, or anything else, shows the main menu', async () => {
    const me = newPhone();
    await droppedAtDetails(me);
    await phone.dial(me).expect('Continue where you left off?').enter('2').expect('Welcome to VoicePact');
    await droppedAtDetails(me);
    await phone.dial(me).expect('Continue where you left off?').enter('7').expect('Welcome to VoicePact');
  });

  test('not offered after an END, after a drop at the main menu, or while the last session is live', async () => {
    const me = newPhone();
    await phone.dial(me).enter('1').enter('0').enter('0').expectEnd('Thank you for using VoicePact!');
    await phone.dial(me).expect('Welcome to VoicePact');

    const atMain = phone.dial(me);
    await atMain;
    await postEvent(app.url, { sessionId: atMain.sessionId, status: 'Incomplete' });
    await phone.dial(me).expect('Welcome to VoicePact');

    // A session that answered a moment ago and that AT has not reported ended is not taken over.
    await phone.dial(me).enter('3').expect('No payments found.');
    await phone.dial(me).expect('Welcome to VoicePact');
  });

  test('in Kiswahili too', async () => {
    const me = newPhone();
    await phone.dial(me).enter('4*1*2').expect('Karibu VoicePact');
    await droppedAtDetails(me);
    await phone
      .dial(me)
      .expectScreen('Endelea ulipoishia?\n1. Ndiyo\n2. Hapana\n0. Rudi\n00. Mwanzo')
      .enter('1')
      .expect('Maelezo ya Mkataba');
  });
});

describe("AT's end-of-session notification and the metrics", () => {
  test('marks the session ended and keeps the figures', async () => {
    const me = newPhone();
    const handset = phone.dial(me).enter('3');
    await handset;
    const res = await postEvent(app.url, {
      sessionId: handset.sessionId,
      status: 'Success',
      durationInMillis: '8400',
      hopsCount: '2',
      input: '3',
      errorMessage: '',
      cost: 'KES 0.0000',
      phoneNumber: me,
      serviceCode: SERVICE_CODE,
      networkCode: '63902',
      date: '2026-11-28 10:00:00',
    });
    expect(res).toEqual({ status: 200, body: 'OK' });
    const row = await sessionRow(handset.sessionId);
    expect(row).toMatchObject({
      active: false,
      end_status: 'Success',
      duration_ms: 8400,
      reported_hops: 2,
      reported_input: '3',
      cost: 'KES 0.0000',
      hops: 2,
    });
    expect(row.ended_at).toBeInstanceOf(Date);
    // Unknown sessions are acknowledged (AT would only retry); bad fields are not.
    expect((await postEvent(app.url, { sessionId: 'never-seen', status: 'Failed' })).status).toBe(200);
    expect((await postEvent(app.url, { status: 'Success' })).status).toBe(400);
    expect((await postEvent(app.url, { sessionId: 'x', status: 'Success', durationInMillis: 'soon' })).status).toBe(
      400,
    );
  });

  test('GET /metrics: Prometheus text behind the admin key', async () => {
    // Everything counted below happens here, so the test holds alone or in any order.
    const me = newPhone();
    const handset = phone.dial(me).enter('9'); // the main menu, then an invalid selection
    await handset;
    await hop(handset.sessionId, me, '9'); // the same request again: a replay
    await postEvent(app.url, { sessionId: handset.sessionId, status: 'Incomplete' });
    expect((await fetch(`${app.url}/metrics`)).status).toBe(401);
    const res = await fetch(`${app.url}/metrics`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toMatch(/ussd_requests_total\{screen="main",outcome="con"\} [1-9]/);
    expect(text).toMatch(/ussd_requests_total\{screen="main",outcome="invalid"\} [1-9]/);
    expect(text).toMatch(/ussd_requests_total\{screen="[a-z]+",outcome="replay"\} [1-9]/);
    expect(text).toMatch(/ussd_sessions_ended_total\{status="Incomplete"\} [1-9]/);
    // How fast the hops were is for `npm run bench`: here only that the histogram counts them.
    expect(text).toMatch(/ussd_request_duration_seconds_bucket\{le="0\.025",outcome="con"\} \d+/);
    expect(text).toMatch(/ussd_request_duration_seconds_bucket\{le="\+Inf",outcome="con"\} [1-9]/);
    expect(text).toContain('# TYPE ussd_errors_total counter');
  });
});
