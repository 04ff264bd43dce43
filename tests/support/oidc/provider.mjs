// The browser tests' OpenID Connect provider: panva's oidc-provider with one confidential client,
// over plain http on 127.0.0.1, and a sign-in form where the name typed IS the e-mail.
//
//   node provider.mjs --port 9400 --client-id sync-monitor --client-secret s3cret \
//     --redirect-uri http://127.0.0.1:8501/oauth2callback
//
// (or OIDC_PORT, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET, OIDC_REDIRECT_URIS with the URIs separated by
// spaces; --port 0 or none takes a free port). Prints "listening <issuer>" once it answers.
//
// Accounts: any login signs in, no password. `ops@acme.com` gives email=ops@acme.com and
// email_verified=true; `unverified:ops@acme.com` the same e-mail with email_verified=false;
// `noclaim:ops@acme.com` that e-mail with no email_verified claim at all. sub is the login as
// typed, name the e-mail's local part. The claims are in the ID token too (Streamlit reads the
// user from it), not only at userinfo.
//
// Streamlit's client asks prompt=select_account (supported: it shows the same form) and sends
// PKCE (S256), which this provider requires. The form grants the client what it asked for, so
// there is no consent page. Signing out from the client ends the session here without asking
// (it confirms by itself, as providers do for a request with a valid id_token_hint).
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';

import { Provider, interactionPolicy } from 'oidc-provider';

const env = process.env;
const { values: args } = parseArgs({
  options: {
    port: { type: 'string', default: env.OIDC_PORT ?? '0' },
    'client-id': { type: 'string', default: env.OIDC_CLIENT_ID },
    'client-secret': { type: 'string', default: env.OIDC_CLIENT_SECRET },
    'redirect-uri': { type: 'string', multiple: true, default: (env.OIDC_REDIRECT_URIS ?? '').split(/[\s,]+/).filter(Boolean) },
  },
});
const missing = ['client-id', 'client-secret', 'redirect-uri'].filter((name) => !args[name]?.length);
if (missing.length) {
  console.error(`provider.mjs: missing ${missing.map((name) => `--${name}`).join(', ')}`);
  process.exit(2);
}

/** The claims of an account: the login is the e-mail, with an optional prefix. */
function claimsOf(login) {
  const [, prefix, email] = /^(?:(unverified|noclaim):)?(.*)$/s.exec(login);
  const claims = { sub: login, email, name: email.split('@')[0] || email };
  if (prefix !== 'noclaim') claims.email_verified = prefix !== 'unverified';
  return claims;
}

const escape = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(title, body) {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font-family:sans-serif;max-width:26rem;margin:3rem auto;padding:0 1rem}
label,input,button{display:block;font-size:1rem;margin:.4rem 0}input{width:100%}</style>
</head><body><main><h1>${escape(title)}</h1>${body}</main></body></html>`;
}

function loginForm(uid, clientName, hint = '', problem = '') {
  return page('Sign in', `
<p>to continue to ${escape(clientName)} (test provider: any e-mail signs in; prefix it with
<code>unverified:</code> or <code>noclaim:</code> for an unverified one or none said).</p>
${problem ? `<p role="alert">${escape(problem)}</p>` : ''}
<form method="post" action="/interaction/${escape(uid)}/login">
  <label for="login">E-mail</label>
  <input id="login" name="login" type="text" autocomplete="username" required autofocus value="${escape(hint)}">
  <button type="submit">Continue</button>
</form>
<form method="post" action="/interaction/${escape(uid)}/abort"><button type="submit">Cancel</button></form>`);
}

async function formBody(req) {
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > 10_000) break;
  }
  return new URLSearchParams(body);
}

// Streamlit always asks prompt=select_account: a prompt the base policy does not know (it would
// answer "unsupported prompt value requested"), answered here by the sign-in form.
const policy = interactionPolicy.base();
policy.add(new interactionPolicy.Prompt({ name: 'select_account', requestable: true }), 0);

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const configuration = {
  clients: [{
    client_id: args['client-id'],
    client_secret: args['client-secret'],
    client_name: 'Sync Monitor',
    redirect_uris: args['redirect-uri'],
    post_logout_redirect_uris: args['redirect-uri'],
    grant_types: ['authorization_code'],
    response_types: ['code'],
  }],
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  // Scope-requested claims in the ID token as well, not only at userinfo.
  conformIdTokenClaims: false,
  pkce: { required: () => true },
  jwks: { keys: [{ ...privateKey.export({ format: 'jwk' }), kid: 'test', use: 'sig', alg: 'RS256' }] },
  cookies: { keys: [randomBytes(32).toString('base64url')] },
  interactions: { policy, url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  async findAccount(ctx, id) {
    return { accountId: id, claims: async () => claimsOf(id) };
  },
  features: {
    devInteractions: { enabled: false },
    rpInitiatedLogout: {
      enabled: true,
      async logoutSource(ctx, form) {
        // `form` posts the session's xsrf token; confirm the sign-out at once.
        ctx.body = page('Signing out', `${form.replace('</form>',
          '<input type="hidden" name="logout" value="yes"><button type="submit">Sign out</button></form>')}
<script>document.forms[0].submit()</script>`);
      },
      async postLogoutSuccessSource(ctx) {
        ctx.body = page('Signed out', '<p>You are signed out.</p>');
      },
    },
  },
  async renderError(ctx, out) {
    ctx.type = 'html';
    ctx.body = page('Sign-in error', Object.entries(out)
      .map(([key, value]) => `<p><strong>${escape(key)}</strong>: ${escape(value)}</p>`).join(''));
  },
};

const server = createServer();
server.listen(Number(args.port), '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, configuration);

  // The sign-in form (the interactions): GET shows it, POST .../login signs in and grants the
  // client the scopes it asked for, POST .../abort gives the client access_denied.
  provider.use(async (ctx, next) => {
    const match = /^\/interaction\/([\w-]+)(?:\/(login|abort))?$/.exec(ctx.path);
    if (!match) return next();
    ctx.set('cache-control', 'no-store');
    const { uid, params } = await provider.interactionDetails(ctx.req, ctx.res);
    const client = await provider.Client.find(params.client_id);
    const name = client?.clientName ?? params.client_id;
    let result;
    if (ctx.method === 'GET' && !match[2]) {
      ctx.type = 'html';
      ctx.body = loginForm(uid, name, params.login_hint);
      return undefined;
    } else if (ctx.method === 'POST' && match[2] === 'abort') {
      result = { error: 'access_denied', error_description: 'End-User aborted interaction' };
    } else if (ctx.method === 'POST' && match[2] === 'login') {
      const login = ((await formBody(ctx.req)).get('login') ?? '').trim();
      if (!login) {
        ctx.status = 400;
        ctx.type = 'html';
        ctx.body = loginForm(uid, name, '', 'Type an e-mail to sign in.');
        return undefined;
      }
      const grant = new provider.Grant({ accountId: login, clientId: params.client_id });
      grant.addOIDCScope(String(params.scope));
      result = { select_account: {}, login: { accountId: login }, consent: { grantId: await grant.save() } };
      console.log(`signed in ${JSON.stringify(login)}`);
    } else {
      return next();
    }
    ctx.redirect(await provider.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: false }));
    ctx.status = 303;
    return undefined;
  });

  for (const event of ['server_error', 'authorization.error', 'grant.error', 'end_session.error',
    'userinfo.error', 'discovery.error', 'jwks.error']) {
    provider.on(event, (ctx, error) => console.error(`${event}: ${error?.message} ${error?.error_description ?? ''}`));
  }
  server.on('request', provider.callback());
  console.log(`listening ${issuer}`);
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => server.close(() => process.exit(0)).closeAllConnections());
}
