using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Lowbit.Training.Config;

/// <summary>
/// Parses the JSON of configs and checkpoint headers: comments and trailing commas allowed, duplicate keys rejected
/// (a second "seed" would otherwise silently win or fail deep inside), and every failure a one-line
/// <see cref="ConfigException"/> naming the source, line and what is wrong.
/// </summary>
public static class StrictJson
{
    private static readonly JsonDocumentOptions s_options = new()
    {
        CommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        AllowDuplicateProperties = false,
        MaxDepth = 64,
    };

    /// <summary>Parses <paramref name="json"/> as one JSON object.</summary>
    /// <param name="json">The text.</param>
    /// <param name="source">File name used in messages.</param>
    /// <param name="what">What the text is ("the config", "the checkpoint header"), for messages.</param>
    /// <exception cref="ConfigException">Invalid JSON, a duplicate key, or not an object.</exception>
    public static JsonObject ParseObject(string json, string source, string what)
    {
        ArgumentNullException.ThrowIfNull(json);
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(json, documentOptions: s_options);
        }
        catch (JsonException e)
        {
            if (FindDuplicate(json) is { } duplicate)
                throw new ConfigException($"{source}: duplicate key '{ErrorText.Shown(duplicate.Key)}' in {ErrorText.Shown(duplicate.Path, 120)} at line {duplicate.Line}; each key may appear once.");
            string where = e.LineNumber is long line ? $" at line {line + 1}, byte {(e.BytePositionInLine ?? 0) + 1}" : "";
            throw new ConfigException($"{source}: {what} is not valid JSON{where}: {FirstSentence(e.Message)}");
        }
        return root as JsonObject ?? throw new ConfigException($"{source}: {what} must be a JSON object, got {JsonFields.Kind(root)}.");
    }

    /// <summary>
    /// Parses the value of a <c>--set key=value</c> override: JSON when it is JSON (numbers, true, objects, ...), else
    /// the text as a string (so <c>data.path=/some/folder</c> needs no quotes).
    /// </summary>
    /// <exception cref="ConfigException">The value is a JSON object with a duplicate key.</exception>
    public static JsonNode? ParseOverrideValue(string assignment, string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        try
        {
            return JsonNode.Parse(text, documentOptions: s_options);
        }
        catch (JsonException)
        {
            if (FindDuplicate(text) is { } duplicate)
                throw new ConfigException($"--set '{assignment}': duplicate key '{duplicate.Key}' in the value; each key may appear once.");
            return JsonValue.Create(text);
        }
    }

    /// <summary>Longest quoted excerpt kept from System.Text.Json's message (it quotes an invalid literal up to the end of its line).</summary>
    private const int MaxQuotedExcerpt = 80;

    private static string FirstSentence(string message)
    {
        int end = message.IndexOf(". ", StringComparison.Ordinal);
        string first = end < 0 ? message : message[..(end + 1)];
        int open = first.IndexOf('\''), close = first.LastIndexOf('\'');
        if (open >= 0 && close - open - 1 > MaxQuotedExcerpt)
            first = string.Concat(first.AsSpan(0, open + 1 + MaxQuotedExcerpt), "…", first.AsSpan(close));
        // The excerpt is the user's text: line breaks become spaces, other control characters \uXXXX (one printable line).
        var line = new StringBuilder(first.Length);
        foreach (char ch in first.ReplaceLineEndings(" "))
            line.Append(char.IsControl(ch) ? $"\\u{(int)ch:X4}" : ch);
        return line.ToString();
    }

    /// <summary>The first key that repeats within one object: its name, the object's path and the 1-based line.</summary>
    private static (string Key, string Path, int Line)? FindDuplicate(string json)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true, MaxDepth = 64 });
        var frames = new Stack<Frame>();
        string? pendingName = null;
        try
        {
            while (reader.Read())
            {
                var token = reader.TokenType;
                if (token is JsonTokenType.EndObject or JsonTokenType.EndArray)
                {
                    frames.Pop();
                    continue;
                }
                if (token == JsonTokenType.PropertyName)
                {
                    string key = reader.GetString()!;
                    if (!frames.Peek().Keys!.Add(key))
                        return (key, frames.Count == 1 ? "the top-level object" : $"'{frames.Peek().Path}'", 1 + bytes.AsSpan(0, (int)reader.TokenStartIndex).Count((byte)'\n'));
                    pendingName = key;
                    continue;
                }
                // A value: name it by its key or its index in the enclosing array.
                string path = frames.Count == 0 ? "" : frames.Peek().Keys is null ? $"{frames.Peek().Path}[{frames.Peek().Index++}]"
                    : frames.Count == 1 ? pendingName! : $"{frames.Peek().Path}.{pendingName}";
                if (token is JsonTokenType.StartObject or JsonTokenType.StartArray)
                    frames.Push(new Frame(path, token == JsonTokenType.StartObject ? new HashSet<string>(StringComparer.Ordinal) : null));
            }
        }
        catch (JsonException)
        {
            // Not a duplicate: the caller reports the syntax error.
        }
        return null;
    }

    private sealed class Frame(string path, HashSet<string>? keys)
    {
        public string Path { get; } = path;

        public HashSet<string>? Keys { get; } = keys;

        public int Index { get; set; }
    }
}
