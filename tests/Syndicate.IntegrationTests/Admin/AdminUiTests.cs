using System.Net;
using System.Text.Json;

namespace Syndicate.IntegrationTests.Admin;

/// <summary>
/// The page at /admin/ui in headless Chromium: the key typed once (a wrong one is refused), the digest list with
/// its sent/failed/pending bar, resend-failed reaching exactly the failed address, and the preview of the next digest.
/// </summary>
public sealed class AdminUiTests
{
    [Fact]
    public async Task Page_KeyOnce_DigestBar_ResendFailed_Preview()
    {
        if (HeadlessChromium.Missing is { } reason)
        {
            Assert.Skip(reason);
        }

        await using var site = await AdminSite.CreateAsync();
        await site.SeedAsync(4);
        var failing = AdminSite.Subscriber(3);
        site.Server.Reply(failing, 550, "No such user here");
        await site.StartAsync();
        var id = await site.SendDigestAsync();
        Assert.Equal(3, site.Server.Messages.Count);
        site.Accept(failing);
        // A post published after the digest, so there is a next digest to preview.
        site.Site.WritePost("later.md", "Later <news> & more", "2026-01-20");
        await Infrastructure.Eventually.ValueAsync(async () => (await site.GetAsync("/admin/preview")).StatusCode, s => s == HttpStatusCode.OK,
            "the new post to reach the preview");

        await using var browser = await HeadlessChromium.StartAsync(site.Site.Root);
        var page = new Uri(site.Address, "/admin/ui").ToString();
        await browser.NavigateAsync(page);
        await browser.WaitForAsync("!document.querySelector('#login').hidden && document.querySelector('#main').hidden", "the key form");

        // A wrong key is refused and forgotten.
        await browser.EvaluateAsync("document.querySelector('#key').value = 'wrong-key-0000000000'; document.querySelector('#login-form').requestSubmit()");
        await browser.WaitForAsync("document.querySelector('#login-error').textContent.includes('not accepted') && !document.querySelector('#login').hidden",
            "the wrong key to be refused");
        Assert.Equal(JsonValueKind.Null, (await browser.EvaluateAsync("sessionStorage.getItem('syndicate-admin-key')")).ValueKind);

        await browser.EvaluateAsync($"document.querySelector('#key').value = '{AdminSite.ApiKey}'; document.querySelector('#login-form').requestSubmit()");
        await browser.WaitForAsync($"document.querySelector('tr[data-digest=\"{id}\"] .bar') !== null", "the digest row with its bar");
        Assert.Equal(AdminSite.ApiKey, (await browser.EvaluateAsync("sessionStorage.getItem('syndicate-admin-key')")).GetString());

        // Entered once per session: a reload goes straight to the list.
        await browser.NavigateAsync(page);
        await browser.WaitForAsync($"document.querySelector('#login').hidden && document.querySelector('tr[data-digest=\"{id}\"] .bar') !== null",
            "the list again without the form");
        var bar = await browser.EvaluateAsync(
            $"Array.from(document.querySelectorAll('tr[data-digest=\"{id}\"] .bar span')).map(s => s.className + ':' + s.dataset.count + ':' + s.style.width)");
        Assert.Equal(["sent:3:75%", "failed:1:25%"], bar.EnumerateArray().Select(s => s.GetString()));
        Assert.Contains("3 sent, 1 failed, 0 pending", (await browser.EvaluateAsync($"document.querySelector('tr[data-digest=\"{id}\"]').textContent")).GetString(),
            StringComparison.Ordinal);

        await browser.EvaluateAsync($"document.querySelector('button[data-resend=\"{id}\"]').click()");
        await browser.WaitForAsync("document.querySelector('#message').textContent.includes('resent to 1 failed address')", "the resend to finish");

        Assert.Equal(Enumerable.Range(1, 4).ToDictionary(AdminSite.Subscriber, _ => 1), site.CopiesByRecipient());
        Assert.Equal((failing, "sent"), site.Deliveries(id)[^1]);
        var shown = await AdminSite.JsonAsync(await site.GetAsync($"/admin/digests/{id}"), HttpStatusCode.OK);
        Assert.Equal("admin-api", Assert.Single(shown.GetProperty("resends").EnumerateArray()).GetProperty("requestedBy").GetString());

        await browser.EvaluateAsync("document.querySelector('#preview-button').click()");
        await browser.WaitForAsync("!document.querySelector('#preview').hidden && document.querySelector('#preview').srcdoc.includes('Subject:')", "the preview");
        var preview = (await browser.EvaluateAsync("document.querySelector('#preview').srcdoc")).GetString();
        Assert.Contains("Later &lt;news&gt; &amp; more", preview, StringComparison.Ordinal);
        Assert.DoesNotContain("<news>", preview, StringComparison.Ordinal);
        Assert.Equal(4, site.Server.Messages.Count);

        var screenshot = Path.Combine(site.Site.Root, "admin-ui.png");
        await browser.ScreenshotAsync(screenshot);
        Assert.True(new FileInfo(screenshot).Length > 10_000, "the screenshot should show the page");
        if (Environment.GetEnvironmentVariable("SYNDICATE_SCREENSHOTS") is { Length: > 0 } keep)
        {
            Directory.CreateDirectory(keep);
            File.Copy(screenshot, Path.Combine(keep, "admin-ui.png"), overwrite: true);
        }
    }

    [Fact]
    public async Task Page_BehindAProxyThatTakesTheBaseUrlPathOff_ListsResendsAndPreviews()
    {
        if (HeadlessChromium.Missing is { } reason)
        {
            Assert.Skip(reason);
        }

        await using var site = await AdminSite.CreateAsync();
        await site.SeedAsync(2);
        var failing = AdminSite.Subscriber(2);
        site.Server.Reply(failing, 550, "No such user here");
        await site.StartAsync(settings: settings => settings["Site:BaseUrl"] = "https://example.org/blog/");
        await using var proxy = await PrefixProxy.StartAsync("/blog", site.Address);

        // A digest with one failed delivery, sent through the proxy as the operator's script would.
        using var http = new HttpClient { BaseAddress = proxy.Address };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", AdminSite.ApiKey);
        using (var redirect = await http.GetAsync("/blog/admin", AdminSite.Cancel))
        {
            Assert.Equal(HttpStatusCode.OK, redirect.StatusCode);
            Assert.Equal("/blog/admin/ui", redirect.RequestMessage?.RequestUri?.AbsolutePath);
        }

        using var accepted = await http.PostAsync("/blog/admin/digests", null, AdminSite.Cancel);
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var operation = await Infrastructure.Eventually.ValueAsync(
            async () => await AdminSite.JsonAsync(await http.GetAsync(accepted.Headers.Location, AdminSite.Cancel), HttpStatusCode.OK),
            op => op.GetProperty("state").GetString() != "running", "the digest to be sent", TimeSpan.FromSeconds(30));
        var id = operation.GetProperty("result").GetProperty("digestId").GetInt64();
        site.Accept(failing);
        site.Site.WritePost("later.md", "Later news", "2026-01-20");
        await Infrastructure.Eventually.ValueAsync(async () => (await site.GetAsync("/admin/preview")).StatusCode, s => s == HttpStatusCode.OK,
            "the new post to reach the preview");

        await using var browser = await HeadlessChromium.StartAsync(site.Site.Root);
        await browser.NavigateAsync(new Uri(proxy.Address, "/blog/admin/ui").ToString());
        await browser.WaitForAsync("!document.querySelector('#login').hidden", "the key form");
        await browser.EvaluateAsync($"document.querySelector('#key').value = '{AdminSite.ApiKey}'; document.querySelector('#login-form').requestSubmit()");
        await browser.WaitForAsync($"document.querySelector('tr[data-digest=\"{id}\"] .bar') !== null", "the digest row, fetched through the proxy");

        await browser.EvaluateAsync($"document.querySelector('button[data-resend=\"{id}\"]').click()");
        await browser.WaitForAsync("document.querySelector('#message').textContent.includes('resent to 1 failed address')", "the resend, polled through the proxy");
        Assert.Equal(new Dictionary<string, int> { [AdminSite.Subscriber(1)] = 1, [failing] = 1 }, site.CopiesByRecipient());

        await browser.EvaluateAsync("document.querySelector('#preview-button').click()");
        await browser.WaitForAsync("!document.querySelector('#preview').hidden && document.querySelector('#preview').srcdoc.includes('Later news')", "the preview");
    }
}
