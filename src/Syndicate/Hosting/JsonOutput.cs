using System.Collections;
using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Syndicate.Hosting;

/// <summary>
/// The JSON of the admin API and of the verbs' <c>--json</c>: records, anonymous objects, lists and dictionaries written
/// property by property, as System.Text.Json writes them (names through the options' naming policy, text through their
/// encoder, nulls kept, numbers and dates in its formats). System.Text.Json's own reflection path builds a generic
/// converter per type at run time, which the native AOT executable does not have for types holding numbers; this writer
/// only reads properties, so the same code answers under the JIT and in the deployed executable.
/// </summary>
internal static class JsonOutput
{
    /// <summary>camelCase names, as the admin API answers.</summary>
    public static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    /// <summary>camelCase names, indented: <c>status --json</c>.</summary>
    public static readonly JsonSerializerOptions WebIndented = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>Names as the objects spell them, on one line: the other verbs' <c>--json</c>.</summary>
    public static readonly JsonSerializerOptions Plain = new();

    public static byte[] SerializeToUtf8Bytes(object? value, JsonSerializerOptions options)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = options.WriteIndented, Encoder = options.Encoder }))
        {
            Write(writer, value, options, depth: 0);
        }

        return buffer.WrittenSpan.ToArray();
    }

    public static string Serialize(object? value, JsonSerializerOptions options) =>
        System.Text.Encoding.UTF8.GetString(SerializeToUtf8Bytes(value, options));

    /// <summary>An answer of <c>application/json; charset=utf-8</c> holding <paramref name="value"/>, with the admin API's names.</summary>
    public static IResult Result(object? value, int statusCode = StatusCodes.Status200OK) => new JsonBytesResult(SerializeToUtf8Bytes(value, Web), statusCode);

    [UnconditionalSuppressMessage("Trimming", "IL2075", Justification =
        "The objects written are this assembly's records and anonymous types, which the native AOT publish keeps whole (Syndicate.csproj).")]
    private static void Write(Utf8JsonWriter writer, object? value, JsonSerializerOptions options, int depth)
    {
        var maxDepth = options.MaxDepth == 0 ? 64 : options.MaxDepth;
        if (depth > maxDepth)
        {
            throw new JsonException($"An object nests deeper than {maxDepth} levels; a cycle?");
        }

        switch (value)
        {
            case null:
                writer.WriteNullValue();
                break;
            case string text:
                writer.WriteStringValue(text);
                break;
            case bool flag:
                writer.WriteBooleanValue(flag);
                break;
            case Enum or int or long or short or sbyte or byte or ushort or uint:
                // An enum as System.Text.Json writes one without a converter: its number.
                writer.WriteNumberValue(Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture));
                break;
            case ulong number:
                writer.WriteNumberValue(number);
                break;
            case double number:
                writer.WriteNumberValue(number);
                break;
            case float number:
                writer.WriteNumberValue(number);
                break;
            case decimal number:
                writer.WriteNumberValue(number);
                break;
            case DateTimeOffset date:
                writer.WriteStringValue(date);
                break;
            case DateTime date:
                writer.WriteStringValue(date);
                break;
            case Guid id:
                writer.WriteStringValue(id);
                break;
            case Uri uri:
                writer.WriteStringValue(uri.OriginalString);
                break;
            case JsonElement element:
                element.WriteTo(writer);
                break;
            case IDictionary dictionary:
                writer.WriteStartObject();
                foreach (DictionaryEntry entry in dictionary)
                {
                    var key = Convert.ToString(entry.Key, System.Globalization.CultureInfo.InvariantCulture) ?? "";
                    writer.WritePropertyName(options.DictionaryKeyPolicy?.ConvertName(key) ?? key);
                    Write(writer, entry.Value, options, depth + 1);
                }

                writer.WriteEndObject();
                break;
            case IEnumerable items:
                writer.WriteStartArray();
                foreach (var item in items)
                {
                    Write(writer, item, options, depth + 1);
                }

                writer.WriteEndArray();
                break;
            default:
                writer.WriteStartObject();
                foreach (var property in value.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
                {
                    if (property.GetIndexParameters().Length > 0 || property.GetMethod is null)
                    {
                        continue;
                    }

                    writer.WritePropertyName(options.PropertyNamingPolicy?.ConvertName(property.Name) ?? property.Name);
                    Write(writer, property.GetValue(value), options, depth + 1);
                }

                writer.WriteEndObject();
                break;
        }
    }

    private sealed class JsonBytesResult(byte[] body, int statusCode) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.StatusCode = statusCode;
            httpContext.Response.ContentType = "application/json; charset=utf-8";
            httpContext.Response.ContentLength = body.Length;
            return httpContext.Response.Body.WriteAsync(body).AsTask();
        }
    }
}
