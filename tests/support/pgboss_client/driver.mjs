// Builds pg-boss data with the real client: pg-boss 12.5.4 (the version Dotoro pins), configured
// as Dotoro configures it, runs a JSON script of steps against one PostgreSQL database and prints
// one JSON document on stdout: {"results": [...]} (one result per step), or, when a step throws,
// {"results": [...the steps before it], "error": {"step", "op", "message", "stack"}} and exit 1.
// Driven from pytest by tests/support/pgboss_client.py.
//
//   node driver.mjs --url=postgresql://... [--script=steps.json]    (else the script on stdin)
//
// The script is a JSON list of steps (or {"steps": [...]}); each step is {"op": ..., ...}:
//
//   start        {options?}               new PgBoss(Dotoro's options + options), boss.start():
//                                         creates the schema the first time. Implied when the
//                                         script does not begin with it.
//   createQueue  {name, options?}         boss.createQueue(name, options); Dotoro: no options.
//   send         {name, data?, options?}  boss.send(name, data, options): priority, startAfter
//                                         (seconds, or an ISO date ending in Z), singletonKey,
//                                         retryLimit, retryDelay, retryBackoff, expireInSeconds,
//                                         deleteAfterSeconds, retentionSeconds, id ... -> {id}
//                                         (id null when pg-boss refused it).
//   fetch        {name, batchSize?, includeMetadata?}  boss.fetch, as a worker does: the jobs
//                                         become active -> {ids, jobs}.
//   complete     {name, id, output?}      boss.complete(name, id, output). Dotoro's worker
//                                         returns an array of results: pass that array.
//   fail         {name, id, error?: {message, name?} | data?}
//                                         with error: an Error is thrown and caught, and
//                                         boss.fail(name, id, thatError), as pg-boss's worker
//                                         does with a handler's error; with data (a string, an
//                                         object, ...): boss.fail(name, id, data); neither:
//                                         boss.fail(name, id).
//   cancel | resume | retry | deleteJob  {name, id}  the boss method of that name.
//                                         -> {requested, affected}
//   expire       {name, id, timeoutSeconds?}  the supervisor's expiry of active jobs (id: one
//                                         or a list): waits until the database's clock is past
//                                         started_on + expire_seconds of each, then runs
//                                         boss.supervise(name) until none is active.
//                                         -> {ids, states, supervised}
//   supervise    {name?}                  boss.supervise(name) once: the monitor (expiry, queue
//                                         counts) and the maintenance (deletion), each at most
//                                         once per its interval.
//   work         {name, handler, count?, until?, output?, error?, timeoutSeconds?}
//                                         boss.work(name, ...) as Dotoro's worker (batch of 1),
//                                         for `count` (1) jobs, then the worker stops fetching:
//                                         handler "complete" returns `output` (Dotoro: a list),
//                                         "throw" throws Error(error), "hang" never settles:
//                                         pg-boss fails it with Error("handler execution
//                                         exceeded Ns") after the job's expireInSeconds, or
//                                         stop() fails it with "pg-boss shut down while active".
//                                         until: "ended" (default; "hang": "started").
//                                         -> {ids, states}
//   get          {name, id}               boss.getJobById -> {job}
//   queues       {}                       boss.getQueues() -> {queues}
//   stop         {graceful?, timeout?}    boss.stop(...) (timeout: 1000 ms, pg-boss's least,
//                                         how long a graceful stop waits for hung handlers);
//                                         implied at the end of the script.
//
// In any id field, "$label" stands for the id(s) of the earlier step that had "as": "label"
// (send: its id; fetch and work: their list of ids).
//
// Deterministic: the background supervisor is off (a `supervise` or `expire` step runs it),
// and the monitor may run every second instead of every minute, so that those steps are not
// skipped as "ran too recently". Everything else is Dotoro's configuration: the timekeeper
// (schedule) stays on, so pg-boss makes its queue __pgboss__send-it as in Dotoro's database.

import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { PgBoss } from 'pg-boss';

// Dotoro's `new PgBoss({connectionString, ...DEFAULT_CONFIG})` (apps/api/src/jobs/queue.ts at
// 74a43e2). None of these keys is a pg-boss 12 option: pg-boss ignores them all, which is why
// Dotoro's queues run with pg-boss's defaults (retry limit 2, no delay, expiry 900 s, deletion
// after 7 days). They are passed all the same, as Dotoro passes them.
const DOTORO_OPTIONS = {
  retryLimit: 3,
  retryDelay: 30,
  expireInHours: 24,
  archiveCompletedAfterSeconds: 60 * 60 * 24 * 7,
  monitorStateIntervalSeconds: 30
};

// This driver's own, for determinism (see above).
const DRIVER_OPTIONS = {
  supervise: false,
  monitorIntervalSeconds: 1
};

const { values: args } = parseArgs({
  options: { url: { type: 'string' }, script: { type: 'string' } }
});
if (!args.url) {
  process.stderr.write('usage: node driver.mjs --url=postgresql://... [--script=file.json]\n');
  process.exit(2);
}

const labels = new Map();
let boss = null;
let schema = 'pgboss';

function ids (value) {
  const resolve = (v) => {
    if (typeof v === 'string' && v.startsWith('$')) {
      if (!labels.has(v.slice(1))) throw new Error(`no earlier step labelled ${v.slice(1)}`);
      return labels.get(v.slice(1));
    }
    return v;
  };
  const resolved = Array.isArray(value) ? value.flatMap(resolve) : resolve(value);
  if (resolved === undefined || resolved === null) throw new Error('id is required');
  return resolved;
}

function idList (value) {
  const resolved = ids(value);
  return Array.isArray(resolved) ? resolved : [resolved];
}

function counts (response) {
  return { requested: response.requested, affected: response.affected };
}

async function sql (text, values) {
  const { rows } = await boss.getDb().executeSql(text, values);
  return rows;
}

async function states (name, jobIds) {
  const rows = await sql(
    `SELECT id, state FROM ${schema}.job WHERE name = $1 AND id = ANY($2::uuid[])`,
    [name, jobIds]
  );
  return Object.fromEntries(rows.map((r) => [r.id, r.state]));
}

async function until (what, timeoutSeconds, check) {
  const deadline = Date.now() + timeoutSeconds * 1000;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutSeconds} s`);
    await sleep(50);
  }
}

async function start (step) {
  const options = { ...DOTORO_OPTIONS, ...DRIVER_OPTIONS, ...(step.options || {}) };
  schema = options.schema || 'pgboss';
  boss = new PgBoss({ connectionString: args.url, ...options });
  boss.on('error', (error) => process.stderr.write(`[pg-boss] error: ${error?.stack || error}\n`));
  boss.on('warning', (w) => process.stderr.write(`[pg-boss] warning: ${JSON.stringify(w)}\n`));
  await boss.start();
  return { options, schemaVersion: await boss.schemaVersion() };
}

async function work (step) {
  const { name, handler, count = 1, output = null, error = 'handler failed' } = step;
  const waitFor = step.until ?? (handler === 'hang' ? 'started' : 'ended');
  const timeoutSeconds = step.timeoutSeconds ?? 30;
  if (!['complete', 'throw', 'hang'].includes(handler)) {
    throw new Error(`work: handler must be complete, throw or hang, not ${handler}`);
  }
  const seen = [];
  await boss.work(name, { batchSize: 1, pollingIntervalSeconds: 0.5 }, async (jobs) => {
    seen.push(...jobs.map((j) => j.id));
    // The worker stops fetching once it has had `count` jobs (this marks it stopping at once;
    // the job in hand still ends as the handler says).
    if (seen.length >= count) await boss.offWork(name, { wait: false });
    if (handler === 'throw') throw new Error(error);
    if (handler === 'hang') return await new Promise(() => {});
    return output;
  });
  await until(`work: ${count} job(s) of ${name} ${waitFor}`, timeoutSeconds, async () => {
    if (seen.length < count) return false;
    if (waitFor === 'started') return true;
    const now = await states(name, seen);
    return seen.every((id) => now[id] !== 'active');
  });
  return { ids: seen, states: await states(name, seen) };
}

async function expire (step) {
  const { name } = step;
  const jobIds = idList(step.id);
  const timeoutSeconds = step.timeoutSeconds ?? 30;
  await until(`expire: ${jobIds.join(', ')} past their expiry`, timeoutSeconds, async () => {
    const [row] = await sql(
      `SELECT count(*) FILTER (WHERE state = 'active') AS active,
              bool_and(state <> 'active' OR started_on + expire_seconds * interval '1s' < now())
                AS expired
       FROM ${schema}.job WHERE name = $1 AND id = ANY($2::uuid[])`,
      [name, jobIds]
    );
    if (Number(row.active) !== jobIds.length) {
      throw new Error(`expire: ${jobIds.length - Number(row.active)} of the jobs are not active`);
    }
    return row.expired;
  });
  let supervised = 0;
  await until(`expire: the supervisor ending ${jobIds.join(', ')}`, timeoutSeconds, async () => {
    await boss.supervise(name);
    supervised += 1;
    const now = await states(name, jobIds);
    return jobIds.every((id) => now[id] !== 'active');
  });
  return { ids: jobIds, states: await states(name, jobIds), supervised };
}

async function fail (step) {
  const { name } = step;
  if (step.error) {
    const { message, name: errorName } = step.error;
    try {
      throw new Error(message);
    } catch (err) {
      if (errorName) err.name = errorName;
      return counts(await boss.fail(name, ids(step.id), err));
    }
  }
  if ('data' in step) return counts(await boss.fail(name, ids(step.id), step.data));
  return counts(await boss.fail(name, ids(step.id)));
}

const OPS = {
  start,
  createQueue: async (s) => { await boss.createQueue(s.name, s.options || {}); return {}; },
  send: async (s) => ({ id: await boss.send(s.name, s.data ?? null, s.options || {}) }),
  fetch: async (s) => {
    const jobs = await boss.fetch(s.name, {
      batchSize: s.batchSize ?? 1,
      includeMetadata: s.includeMetadata ?? false
    });
    return { ids: jobs.map((j) => j.id), jobs };
  },
  complete: async (s) => counts(await boss.complete(s.name, ids(s.id), s.output ?? null)),
  fail,
  cancel: async (s) => counts(await boss.cancel(s.name, ids(s.id))),
  resume: async (s) => counts(await boss.resume(s.name, ids(s.id))),
  retry: async (s) => counts(await boss.retry(s.name, ids(s.id))),
  deleteJob: async (s) => counts(await boss.deleteJob(s.name, ids(s.id))),
  expire,
  supervise: async (s) => { await boss.supervise(s.name); return {}; },
  work,
  get: async (s) => ({ job: await boss.getJobById(s.name, ids(s.id)) }),
  queues: async () => ({ queues: await boss.getQueues() }),
  stop: async (s) => {
    await boss.stop({ graceful: s.graceful ?? true, timeout: s.timeout ?? 1000 });
    boss = null;
    return {};
  }
};

function out (document, code) {
  process.stdout.write(JSON.stringify(document) + '\n', () => process.exit(code));
}

async function main () {
  const text = args.script ? readFileSync(args.script, 'utf8') : readFileSync(0, 'utf8');
  const parsed = JSON.parse(text);
  const steps = Array.isArray(parsed) ? parsed : parsed.steps;
  if (!Array.isArray(steps)) throw new Error('the script is a list of steps, or {"steps": [...]}');
  const results = [];
  let index = -1;
  let op = null;
  try {
    if (steps[0]?.op !== 'start') await start({});
    for (index = 0; index < steps.length; index++) {
      const step = steps[index];
      op = step.op;
      if (!Object.hasOwn(OPS, op)) throw new Error(`unknown op ${JSON.stringify(op)}`);
      if (op !== 'start' && boss === null) throw new Error(`${op}: pg-boss is not started`);
      const result = { op, ...(await OPS[op](step)) };
      if (step.as) labels.set(step.as, result.ids ?? result.id);
      results.push(result);
    }
    index = -1;
    op = 'stop';
    if (boss !== null) await OPS.stop({});
  } catch (err) {
    if (boss !== null) {
      await boss.stop({ graceful: false }).catch(() => {});
    }
    return out({
      results,
      error: { step: index, op, message: err?.message ?? String(err), stack: err?.stack ?? null }
    }, 1);
  }
  return out({ results }, 0);
}

main().catch((err) => {
  process.stderr.write(`${err?.stack || err}\n`);
  process.exit(1);
});
