using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Syndicate.Digests;

namespace Syndicate.Web;

/// <summary>
/// The one-page admin view at /admin/ui: plain server-rendered HTML and a short inline script, no build step.
/// The key is typed once into a form and kept in sessionStorage (gone when the browser session ends), then sent
/// by fetch as the Bearer header; the digest rows come from /admin/ui/digests as HTML rendered here, every value
/// encoded. A Content-Security-Policy with a per-response nonce lets only this page's own script run.
/// </summary>
internal static class AdminUi
{
    /// <param name="adminPath">Where the browser reaches /admin (AdminEndpoints.AdminPath): the script's requests go under it.</param>
    public static IResult Page(string adminPath) => new PageResult(adminPath);

    /// <summary>The digests as table rows, each with a bar of sent, failed, skipped and pending deliveries.</summary>
    public static string DigestRows(IReadOnlyList<DigestSummary> digests)
    {
        if (digests.Count == 0)
        {
            return """<tr><td colspan="6" class="empty">No digest yet. The first one goes out on schedule or with POST /admin/digests.</td></tr>""";
        }

        var html = new StringBuilder();
        foreach (var d in digests)
        {
            var counts = $"{d.Sent} sent, {d.Failed} failed, {d.Pending} pending, {d.Skipped} skipped";
            html.Append(CultureInfo.InvariantCulture, $"""
                <tr data-digest="{d.Id}">
                  <td>#{d.Id}</td>
                  <td><time datetime="{E(d.PlannedAt.ToString("O", CultureInfo.InvariantCulture))}">{E(d.PlannedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture))}</time><br><small>{E(d.Trigger)}</small></td>
                  <td>{E(d.Status)}</td>
                  <td>{d.Posts}</td>
                  <td>
                    <div class="bar" role="img" aria-label="{E(counts)}" title="{E(counts)}">{Segment("sent", d.Sent, d.Deliveries)}{Segment("failed", d.Failed, d.Deliveries)}{Segment("skipped", d.Skipped, d.Deliveries)}{Segment("pending", d.Pending, d.Deliveries)}</div>
                    <small class="counts">{E(counts)} of {d.Deliveries}</small>
                  </td>
                  <td><button type="button" data-resend="{d.Id}"{(d.Failed == 0 ? " disabled" : "")}>Resend failed</button></td>
                </tr>

                """);
        }

        return html.ToString();
    }

    private static string Segment(string kind, int count, int total) =>
        count == 0 || total == 0
            ? ""
            : string.Create(CultureInfo.InvariantCulture, $"""<span class="{kind}" data-count="{count}" style="width:{100.0 * count / total:0.##}%"></span>""");

    private static string E(string value) => WebUtility.HtmlEncode(value);

    private sealed class PageResult(string adminPath) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            var nonce = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
            // Inline styles stay allowed: the digest preview shown in the sandboxed frame is styled inline (CSS inlined for mail).
            PageHeaders.Apply(httpContext.Response,
                $"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'unsafe-inline'; img-src 'self' data: https:; " +
                "connect-src 'self'; frame-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
                noStore: true);
            return Results.Content(Html(nonce, adminPath), "text/html; charset=utf-8").ExecuteAsync(httpContext);
        }
    }

    private static string Html(string nonce, string adminPath) => $$"""
        <!doctype html>
        <html lang="en">
        <head>
          <meta charset="utf-8">
          <meta name="viewport" content="width=device-width, initial-scale=1">
          <title>Syndicate admin</title>
          <style>
            body { font: 15px/1.5 system-ui, sans-serif; max-width: 64rem; margin: 2rem auto; padding: 0 1rem; color: #1a1a1a; background: #fff; }
            h1 { font-size: 1.5rem; margin: 0 0 1rem; }
            header { display: flex; gap: .5rem; align-items: center; flex-wrap: wrap; margin-bottom: 1rem; }
            header h1 { margin: 0 auto 0 0; }
            table { width: 100%; border-collapse: collapse; }
            th, td { text-align: left; padding: .5rem; border-bottom: 1px solid #ddd; vertical-align: top; }
            th { font-size: .85rem; color: #555; }
            small { color: #555; }
            .bar { display: flex; width: 14rem; height: .9rem; background: #eee; border-radius: 3px; overflow: hidden; margin: .2rem 0; }
            .bar span { display: block; height: 100%; }
            .sent { background: #2e7d32; } .failed { background: #c62828; } .pending { background: #f9a825; } .skipped { background: #9e9e9e; }
            .legend span { display: inline-block; width: .7rem; height: .7rem; margin: 0 .25rem 0 .75rem; border-radius: 2px; }
            button { font: inherit; padding: .3rem .9rem; cursor: pointer; }
            button[disabled] { cursor: default; }
            input { font: inherit; padding: .4rem; width: 22rem; max-width: 100%; }
            label { display: block; font-weight: 600; margin-bottom: .3rem; }
            #message { min-height: 1.5rem; margin: 1rem 0; font-weight: 600; }
            .error { color: #a00; }
            .empty { color: #555; font-style: italic; }
            iframe { width: 100%; height: 36rem; border: 1px solid #ccc; margin-top: 1rem; background: #fff; }
            @media (prefers-color-scheme: dark) {
              body { color: #eee; background: #111; } th, small, .empty { color: #aaa; } th, td { border-color: #333; } .bar { background: #333; }
            }
          </style>
        </head>
        <body data-admin="{{E(adminPath)}}">
          <section id="login" hidden>
            <h1>Syndicate admin</h1>
            <form id="login-form">
              <label for="key">Admin key (Admin:ApiKey)</label>
              <input id="key" name="key" type="password" autocomplete="current-password" required>
              <button type="submit">Open</button>
              <p class="error" id="login-error" role="alert"></p>
              <p><small>The key stays in this browser tab's session storage until the tab is closed.</small></p>
            </form>
          </section>
          <main id="main" hidden>
            <header>
              <h1>Digests</h1>
              <button type="button" id="refresh">Refresh</button>
              <button type="button" id="preview-button">Preview next digest</button>
              <button type="button" id="forget">Forget key</button>
            </header>
            <p class="legend"><small><span class="sent"></span>sent<span class="failed"></span>failed<span class="pending"></span>pending<span class="skipped"></span>skipped</small></p>
            <table>
              <thead><tr><th>Digest</th><th>Planned (UTC)</th><th>Status</th><th>Posts</th><th>Deliveries</th><th></th></tr></thead>
              <tbody id="digests"></tbody>
            </table>
            <p id="message" role="status"></p>
            <iframe id="preview" title="Preview of the next digest" sandbox="" hidden></iframe>
          </main>
          <script nonce="{{nonce}}">
          (() => {
            const keyName = 'syndicate-admin-key';
            // The API's address as this browser reaches it (under Site:BaseUrl's path, which a proxy may take off).
            const admin = document.body.dataset.admin;
            const $ = selector => document.querySelector(selector);
            const key = () => sessionStorage.getItem(keyName);
            const say = text => { $('#message').textContent = text; };

            class Unauthorized extends Error {}

            async function call(method, path, body) {
              const headers = { Authorization: 'Bearer ' + key() };
              if (body !== undefined) { headers['Content-Type'] = 'application/json'; }
              const response = await fetch(path, { method, headers, cache: 'no-store', body: body === undefined ? undefined : JSON.stringify(body) });
              if (response.status === 401) {
                sessionStorage.removeItem(keyName);
                show('That key was not accepted; enter it again.');
                throw new Unauthorized();
              }
              return response;
            }

            async function problem(response) {
              try { const p = await response.json(); return p.detail || p.title || response.statusText; } catch { return response.statusText; }
            }

            function run(action) {
              return async event => {
                try { await action(event); } catch (error) { if (!(error instanceof Unauthorized)) { say('Something went wrong: ' + error.message); } }
              };
            }

            async function refresh() {
              const response = await call('GET', admin + '/ui/digests');
              if (response.ok) { $('#digests').innerHTML = await response.text(); } else { say(await problem(response)); }
            }

            async function poll(location) {
              for (;;) {
                const operation = await (await call('GET', location)).json();
                if (operation.state !== 'running') { return operation; }
                await new Promise(resolve => setTimeout(resolve, 400));
              }
            }

            function show(error) {
              const signedIn = !!key();
              $('#login').hidden = signedIn;
              $('#main').hidden = !signedIn;
              $('#login-error').textContent = error || '';
              if (signedIn) { run(refresh)(); } else { $('#key').focus(); }
            }

            $('#login-form').addEventListener('submit', event => {
              event.preventDefault();
              sessionStorage.setItem(keyName, $('#key').value.trim());
              $('#key').value = '';
              show();
            });
            $('#forget').addEventListener('click', () => { sessionStorage.removeItem(keyName); show(); });
            $('#refresh').addEventListener('click', run(refresh));
            $('#preview-button').addEventListener('click', run(async () => {
              const response = await call('GET', admin + '/preview');
              const frame = $('#preview');
              if (response.ok) {
                frame.srcdoc = await response.text();
                frame.hidden = false;
                say('Preview of the next digest: nothing was sent.');
              } else {
                frame.hidden = true;
                say(await problem(response));
              }
            }));
            $('#digests').addEventListener('click', run(async event => {
              const button = event.target.closest('button[data-resend]');
              if (!button) { return; }
              const id = button.dataset.resend;
              button.disabled = true;
              say('Resending digest ' + id + ' to its failed deliveries…');
              const requestId = self.crypto && crypto.randomUUID ? crypto.randomUUID() : undefined;
              const response = await call('POST', admin + '/digests/' + id + '/resend', { failedOnly: true, requestId });
              if (response.status === 202) {
                const operation = await poll(response.headers.get('Location'));
                say(operation.state === 'succeeded'
                  ? 'Digest ' + id + ': resent to ' + operation.result.recipients.length + ' failed address(es).'
                  : 'The resend of digest ' + id + ' failed: ' + operation.error);
              } else if (response.ok) {
                const answer = await response.json();
                say(answer.repeated ? 'That resend was already done; nothing more was sent.' : 'Nothing to resend.');
              } else {
                say(await problem(response));
              }
              await refresh();
            }));
            show();
          })();
          </script>
        </body>
        </html>

        """;
}
