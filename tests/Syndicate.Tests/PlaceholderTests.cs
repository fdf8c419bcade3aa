using Syndicate.Posts;

namespace Syndicate.Tests;

public sealed class SlugTests
{
    [Fact]
    public void Create_Punctuation_BecomesOneHyphen() => Assert.Equal("hello-world", Slug.Create("Hello, World!"));
}
