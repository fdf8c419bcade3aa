using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Syndicate.IntegrationTests.Infrastructure;
using Syndicate.Web;

namespace Syndicate.IntegrationTests.Admin;

/// <summary>
/// Nobody reaches /admin without the key: no header, another scheme or another key get a 401 problem; with no key
/// configured every /admin path is 404; the key never reaches the log; a short key is refused at start.
/// </summary>
public sealed class AdminAuthTests
{
    private static readonly string[] Paths =
    [
        "/admin/status", "/admin/digests", "/admin/digests/1", "/admin/preview", "/admin/subscribers", "/admin/operations/x", "/admin/ui",
        "/admin/ui/digests", "/admin/", "/admin", "/admin/no-such-thing",
    ];

    [Theory]
    [InlineData(null)]
    [InlineData("Basic YWRtaW46YWRtaW4=")]
    [InlineData("Bearer")]
    [InlineData("Bearer not-the-admin-key-at-all-0000")]
    [InlineData("Token " + AdminSite.ApiKey)]
    public async Task Request_WithoutTheKey_401Problem(string? authorization)
    {
        await using var site = await AdminSite.CreateAsync();
        await site.SeedAsync(1);
        await site.StartAsync();

        foreach (var (method, path) in ((HttpMethod, string)[])[(HttpMethod.Get, "/admin/status"), (HttpMethod.Post, "/admin/digests"),
            (HttpMethod.Delete, "/admin/subscribers?email=a01@example.test"), (HttpMethod.Get, "/admin/no-such-thing")])
        {
            using var response = await site.SendAsync(method, path, authorization: authorization);
            var detail = await AdminSite.ProblemAsync(response, HttpStatusCode.Unauthorized);
            Assert.Contains("admin key", detail, StringComparison.Ordinal);
            Assert.Equal("Bearer", Assert.Single(response.Headers.WwwAuthenticate).Scheme);
        }

        Assert.Empty(site.Server.Messages);
        Assert.Equal(4, site.Logs.WithId(6101).Count);
    }

    [Fact]
    public async Task Request_BearerInAnyCase_Accepted()
    {
        await using var site = await AdminSite.CreateAsync();
        await site.SeedAsync(1);
        await site.StartAsync();

        using var response = await site.SendAsync(HttpMethod.Get, "/admin/subscribers", authorization: "bearer " + AdminSite.ApiKey);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task NoKeyConfigured_EveryAdminPath_404()
    {
        await using var site = await AdminSite.CreateAsync();
        await site.SeedAsync(1);
        await site.StartAsync(apiKey: null);

        foreach (var path in Paths)
        {
            foreach (var authorization in (string?[])["key", null, "Bearer "])
            {
                using var response = await site.SendAsync(HttpMethod.Get, path, authorization: authorization);
                Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"GET {path} with {authorization ?? "no header"}: {(int)response.StatusCode}");
            }
        }

        using var post = await site.SendAsync(HttpMethod.Post, "/admin/digests");
        await AdminSite.ProblemAsync(post, HttpStatusCode.NotFound);
        Assert.Empty(site.Server.Messages);
        // The public side is untouched.
        using var feed = await site.Client.GetAsync("/feed.xml", AdminSite.Cancel);
        Assert.Equal(HttpStatusCode.OK, feed.StatusCode);
    }

    [Fact]
    public async Task Key_NeverInTheLog()
    {
        const string WrongKey = "wrong-admin-key-77aa88bb99cc";
        await using var site = await AdminSite.CreateAsync();
        await site.SeedAsync(2);
        await site.StartAsync();

        foreach (var path in Paths)
        {
            (await site.SendAsync(HttpMethod.Get, path)).Dispose();
            (await site.SendAsync(HttpMethod.Get, path, authorization: "Bearer " + WrongKey)).Dispose();
        }

        await site.SendDigestAsync();
        (await site.PostJsonAsync("/admin/subscribers", new { email = "new@example.test", confirmed = true })).Dispose();

        Assert.True(site.Logs.Entries.Count > 10, "the log should have lines to look at");
        Assert.NotEmpty(site.Logs.WithId(6101));
        Assert.All(site.Logs.Entries, entry =>
        {
            Assert.DoesNotContain(AdminSite.ApiKey, entry.Message, StringComparison.Ordinal);
            Assert.DoesNotContain(WrongKey, entry.Message, StringComparison.Ordinal);
        });
        Assert.DoesNotContain(AdminSite.ApiKey, site.Get<IOptions<AdminOptions>>().Value.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", true)]
    [InlineData("0123456789abcdef", true)]
    [InlineData("0123456789abcde", false)]
    [InlineData(" 0123456789abcdef ", false)]
    public void Validator_KeyShorterThan16_RefusedWithASentence(string key, bool accepted)
    {
        var result = new AdminOptionsValidator().Validate(null, new AdminOptions { ApiKey = key });

        Assert.Equal(accepted, result.Succeeded);
        if (!accepted)
        {
            var sentence = Assert.Single(result.Failures!);
            Assert.StartsWith("Admin:ApiKey ", sentence, StringComparison.Ordinal);
            Assert.EndsWith(".", sentence, StringComparison.Ordinal);
            // The secret is never echoed, not even a wrong one.
            Assert.DoesNotContain(key.Trim(), sentence, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Start_ShortKey_Refused()
    {
        await using var site = await AdminSite.CreateAsync();
        await site.SeedAsync(0);

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => site.StartAsync("short-key"));

        Assert.Contains("Admin:ApiKey is 9 characters long", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("short-key", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task KeyReloadedInvalid_503ProblemWithTheValidatorsSentence_LoggedOnce_ThenValidAgain()
    {
        const string BadKey = "tiny-key";
        await using var site = await AdminSite.CreateAsync();
        await site.SeedAsync(1);
        WriteKey(site, AdminSite.ApiKey);
        // The key comes from the site's appsettings.json, as an operator sets it, and is read again when the file changes.
        await site.StartAsync(settings: settings => settings.Remove("Admin:ApiKey"));

        async Task<HttpStatusCode> StatusAsync()
        {
            using var response = await site.GetAsync("/admin/status");
            return response.StatusCode;
        }

        Assert.Equal(HttpStatusCode.OK, await StatusAsync());
        WriteKey(site, BadKey);
        await Eventually.ValueAsync(StatusAsync, code => code != HttpStatusCode.OK,
            "the reloaded key to take effect", Eventually.LiveChange);

        foreach (var (path, authorization) in new[] { ("/admin/status", "key"), ("/admin/digests", "Bearer " + BadKey), ("/admin/ui", null), ("/admin/status", null) })
        {
            using var response = await site.SendAsync(HttpMethod.Get, path, authorization: authorization);
            var detail = await AdminSite.ProblemAsync(response, HttpStatusCode.ServiceUnavailable);
            Assert.Contains("Admin:ApiKey is 8 characters long", detail, StringComparison.Ordinal);
            Assert.DoesNotContain(BadKey, detail, StringComparison.Ordinal);
        }

        var logged = Assert.Single(site.Logs.WithId(6106));
        Assert.Contains("Admin:ApiKey is 8 characters long", logged.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(site.Logs.Entries, entry => entry.Level >= LogLevel.Error && entry.EventId.Id != 6106);
        Assert.DoesNotContain(site.Logs.Entries, entry => entry.Message.Contains(BadKey, StringComparison.Ordinal));

        // Fixed in the file: /admin answers again, without a restart.
        WriteKey(site, AdminSite.ApiKey);
        await Eventually.ValueAsync(StatusAsync, code => code == HttpStatusCode.OK,
            "the fixed key to take effect", Eventually.LiveChange);
        Assert.Single(site.Logs.WithId(6106));
        Assert.Single(site.Logs.WithId(6107));
    }

    /// <summary>Replaces the site's appsettings.json in one step (a rename), so a reload never reads half a file.</summary>
    private static void WriteKey(AdminSite site, string key)
    {
        var staging = Path.Combine(site.Site.Root, "staging");
        Directory.CreateDirectory(staging);
        AppSettingsFile.Write(staging, [new("Admin:ApiKey", key)]);
        File.Move(Path.Combine(staging, "appsettings.json"), Path.Combine(site.Site.Root, "appsettings.json"), overwrite: true);
    }
}
