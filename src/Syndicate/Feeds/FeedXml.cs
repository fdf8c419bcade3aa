using System.Text;
using System.Xml;

namespace Syndicate.Feeds;

/// <summary>The XML writer settings every feed shares: UTF-8 without a byte order mark, indented, LF line ends.</summary>
internal static class FeedXml
{
    public static readonly XmlWriterSettings WriterSettings = new()
    {
        Encoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false),
        Indent = true,
        IndentChars = "  ",
        NewLineChars = "\n",
        NewLineHandling = NewLineHandling.Replace,
        CheckCharacters = true,
    };
}
