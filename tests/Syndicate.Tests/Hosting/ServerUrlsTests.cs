using Microsoft.Extensions.Configuration;
using Syndicate.Hosting;

namespace Syndicate.Tests.Hosting;

public sealed class ServerUrlsTests
{
    [Theory]
    [InlineData("http://127.0.0.1:5080")]
    [InlineData("http://127.0.0.1:0")]
    [InlineData("https://127.0.0.1:5443")]
    [InlineData("HTTP://LOCALHOST:5080/")]
    [InlineData("http://*:5080")]
    [InlineData("http://+:5080")]
    [InlineData("http://0.0.0.0:5080")]
    [InlineData("http://[::]:5080")]
    [InlineData("http://[::1]:5080")]
    [InlineData("http://127.0.0.1")]
    [InlineData("http://unix:/run/syndicate.sock")]
    [InlineData("http://127.0.0.1:5080; http://[::1]:5080")]
    [InlineData("")]
    public void Validate_AddressKestrelListensOn_Succeeds(string urls)
    {
        var result = new ServerUrlsOptionsValidator().Validate(null, new ServerUrlsOptions { Urls = urls });

        Assert.True(result.Succeeded, string.Join(" ", result.Failures ?? []));
    }

    [Theory]
    [InlineData("notaurl", "Urls 'notaurl' is not an address to listen on; write http:// or https://, a host and a port, for example Urls=http://127.0.0.1:5080 (several separated by ;).")]
    [InlineData("127.0.0.1:5080", "Urls '127.0.0.1:5080' is not an address to listen on; write http:// or https://, a host and a port, for example Urls=http://127.0.0.1:5080 (several separated by ;).")]
    [InlineData("http://127.0.0.1:99999", "Urls 'http://127.0.0.1:99999' has port '99999'; a port is a number from 1 to 65535, for example Urls=http://127.0.0.1:5080.")]
    [InlineData("http://[::]:65536", "Urls 'http://[::]:65536' has port '65536'; a port is a number from 1 to 65535, for example Urls=http://127.0.0.1:5080.")]
    [InlineData("http://127.0.0.1:abc", "Urls 'http://127.0.0.1:abc' has port 'abc'; a port is a number from 1 to 65535, for example Urls=http://127.0.0.1:5080.")]
    [InlineData("http://127.0.0.1:-1", "Urls 'http://127.0.0.1:-1' has port '-1'; a port is a number from 1 to 65535, for example Urls=http://127.0.0.1:5080.")]
    [InlineData("ftp://127.0.0.1:5080", "Urls 'ftp://127.0.0.1:5080' must start with http:// or https://, for example Urls=http://127.0.0.1:5080.")]
    [InlineData("http://:5080", "Urls 'http://:5080' has no host; write a host and a port, for example Urls=http://127.0.0.1:5080 (http://0.0.0.0:5080 listens on every interface).")]
    [InlineData("http://127.0.0.1:5080/blog", "Urls 'http://127.0.0.1:5080/blog' has a path; the server listens on a host and port only, for example Urls=http://127.0.0.1:5080 (the blog's own path belongs in Site:BaseUrl).")]
    [InlineData("http://localhost:0", "Urls 'http://localhost:0': port 0 (any free port) works only with an IP address, for example Urls=http://127.0.0.1:0.")]
    [InlineData("http://blog.example.org:5080", "Urls 'http://blog.example.org:5080' names the host 'blog.example.org'; the server listens on an IP address, localhost or every interface, for example Urls=http://127.0.0.1:5080 (http://0.0.0.0:5080 for every interface; the blog's public name belongs in Site:BaseUrl).")]
    public void Validate_NotAnAddressToListenOn_NamesUrlsTheEntryAndTheFix(string urls, string expected)
    {
        var result = new ServerUrlsOptionsValidator().Validate(null, new ServerUrlsOptions { Urls = urls });

        Assert.Equal(expected, Assert.Single(result.Failures!));
    }

    [Fact]
    public void Validate_SeveralEntries_NamesEachWrongOne()
    {
        var result = new ServerUrlsOptionsValidator().Validate(null, new ServerUrlsOptions { Urls = "http://127.0.0.1:5080;nope;http://[::1]:70000" });

        var failures = result.Failures!.ToArray();
        Assert.Equal(2, failures.Length);
        Assert.StartsWith("Urls 'nope' ", failures[0], StringComparison.Ordinal);
        Assert.StartsWith("Urls 'http://[::1]:70000' ", failures[1], StringComparison.Ordinal);
    }

    [Fact]
    public void Effective_KestrelEndpointsConfigured_ChecksNoUrls()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Urls"] = "http://127.0.0.1:5080",
            ["Kestrel:Endpoints:Http:Url"] = "http://127.0.0.1:6000",
        }).Build();

        Assert.Equal("", ServerUrls.Effective(configuration));
    }
}
