// A real OpenID provider for the sign-in tests (issue 18): node's
// oidc-provider, OpenID Certified, with its development login pages. It is
// the agency's identity provider in the stories and in Chromium; nothing of
// Fieldlog's is mocked. Never part of a deployment.
//
// Prints "IdP listening on http://127.0.0.1:PORT" once it answers.
// Environment:
//   IDP_CLIENT_SECRET   the secret Fieldlog's client authenticates with
//   IDP_CALLBACK_PATH   Fieldlog's callback path (any loopback port: the
//                       client is "native", RFC 8252 7.3)
import http from "node:http";
import Provider from "oidc-provider";

const secret = process.env.IDP_CLIENT_SECRET ?? "idp-test-secret-0123456789abcdef";
const callback = process.env.IDP_CALLBACK_PATH ?? "/api/v1/auth/oidc/county/callback";

const server = http.createServer();
await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
const issuer = `http://127.0.0.1:${server.address().port}`;

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: "fieldlog",
      client_secret: secret,
      application_type: "native",
      redirect_uris: [`http://127.0.0.1${callback}`],
      grant_types: ["authorization_code"],
      response_types: ["code"],
      token_endpoint_auth_method: "client_secret_basic",
    },
  ],
  // Whoever signs in at the development login page is that subject; their
  // username claim is the login in lower case.
  async findAccount(_ctx, sub) {
    return {
      accountId: sub,
      async claims() {
        return {
          sub,
          preferred_username: sub.toLowerCase(),
          email: `${sub.toLowerCase()}@county.example`,
          email_verified: true,
        };
      },
    };
  },
  claims: { openid: ["sub"], profile: ["preferred_username"], email: ["email", "email_verified"] },
  // Claims in the ID token itself, as most agency providers send them.
  conformIdTokenClaims: false,
  // A first-party client: no consent page.
  async loadExistingGrant(ctx) {
    const id = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (id) return ctx.oidc.provider.Grant.find(id);
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope("openid profile email");
    await grant.save();
    return grant;
  },
  cookies: { keys: ["fieldlog-test-idp-cookie-key"] },
  pkce: { required: () => true },
});
server.on("request", provider.callback());
console.log(`IdP listening on ${issuer}`);
