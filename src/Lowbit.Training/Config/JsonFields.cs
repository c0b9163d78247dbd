using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Lowbit.Training.Config;

/// <summary>
/// Strict reader over one JSON object of a config: typed getters that name the field path on error, and a final
/// check that rejects keys nobody asked for (typos are errors, not silently ignored).
/// </summary>
internal sealed class JsonFields
{
    private readonly JsonObject _obj;
    private readonly HashSet<string> _read = new(StringComparer.Ordinal);

    public JsonFields(JsonNode? node, string path, string source)
    {
        Path = path;
        Source = source;
        _obj = node as JsonObject ?? throw new ConfigException($"{source}: '{path}' must be an object, got {Kind(node)}.");
    }

    public string Path { get; }

    public string Source { get; }

    public bool Has(string key) => _obj.ContainsKey(key) && _obj[key] is not null;

    public JsonNode? Raw(string key)
    {
        _read.Add(key);
        return _obj[key];
    }

    public string Field(string key) => Path.Length == 0 ? key : $"{Path}.{key}";

    public ConfigException Error(string key, string what) => new($"{Source}: field '{Field(key)}' {what}");

    public double Double(string key, double fallback, double min = double.NegativeInfinity, double max = double.PositiveInfinity)
    {
        var n = Raw(key);
        if (n is null) return fallback;
        if (n is not JsonValue v || v.GetValueKind() != JsonValueKind.Number) throw Error(key, $"must be a number, got {Kind(n)}.");
        double d = v.GetValue<double>();
        if (!(d >= min && d <= max)) throw Error(key, $"is {d.ToString(CultureInfo.InvariantCulture)} but must be in [{min.ToString(CultureInfo.InvariantCulture)}, {max.ToString(CultureInfo.InvariantCulture)}].");
        return d;
    }

    public double? OptionalDouble(string key, double min = double.NegativeInfinity, double max = double.PositiveInfinity) =>
        Has(key) ? Double(key, 0, min, max) : MarkNull(key);

    private double? MarkNull(string key)
    {
        _read.Add(key);
        return null;
    }

    public int Int(string key, int fallback, int min = int.MinValue, int max = int.MaxValue)
    {
        var n = Raw(key);
        if (n is null) return fallback;
        if (n is not JsonValue v || v.GetValueKind() != JsonValueKind.Number) throw Error(key, $"must be a whole number, got {Kind(n)}.");
        double d = v.GetValue<double>();
        if (d != Math.Floor(d)) throw Error(key, $"must be a whole number, got {d.ToString(CultureInfo.InvariantCulture)}.");
        if (d < min || d > max) throw Error(key, $"is {d.ToString(CultureInfo.InvariantCulture)} but must be in [{min}, {max}].");
        return (int)d;
    }

    public bool Bool(string key, bool fallback)
    {
        var n = Raw(key);
        if (n is null) return fallback;
        if (n is JsonValue v && (v.GetValueKind() == JsonValueKind.True || v.GetValueKind() == JsonValueKind.False)) return v.GetValue<bool>();
        throw Error(key, $"must be true or false, got {Kind(n)}.");
    }

    public string String(string key, string fallback, IReadOnlyCollection<string>? allowed = null)
    {
        var n = Raw(key);
        if (n is null) return fallback;
        if (n is not JsonValue v || v.GetValueKind() != JsonValueKind.String) throw Error(key, $"must be a string, got {Kind(n)}.");
        string s = v.GetValue<string>();
        if (allowed is not null && !allowed.Contains(s)) throw Error(key, $"is \"{Shown(s)}\" but must be one of: {string.Join(", ", allowed)}.");
        return s;
    }

    public string? OptionalString(string key)
    {
        var n = Raw(key);
        if (n is null) return null;
        if (n is not JsonValue v || v.GetValueKind() != JsonValueKind.String) throw Error(key, $"must be a string or null, got {Kind(n)}.");
        return v.GetValue<string>();
    }

    public int[] IntArray(string key, int[] fallback)
    {
        var n = Raw(key);
        if (n is null) return fallback;
        if (n is not JsonArray a) throw Error(key, $"must be an array of whole numbers, got {Kind(n)}.");
        var r = new int[a.Count];
        for (int i = 0; i < a.Count; i++)
        {
            if (a[i] is not JsonValue v || v.GetValueKind() != JsonValueKind.Number || v.GetValue<double>() != Math.Floor(v.GetValue<double>()))
                throw Error(key, $"element {i} must be a whole number, got {Kind(a[i])}.");
            r[i] = (int)v.GetValue<double>();
        }
        return r;
    }

    public JsonFields Object(string key)
    {
        var n = Raw(key);
        return new JsonFields(n ?? new JsonObject(), Field(key), Source);
    }

    public JsonArray Array(string key)
    {
        var n = Raw(key);
        return n as JsonArray ?? throw Error(key, $"must be an array, got {Kind(n)}.");
    }

    public void EnsureAllRead()
    {
        foreach (var (k, _) in _obj)
        {
            if (!_read.Contains(k))
            {
                string known = string.Join(", ", _read.OrderBy(x => x, StringComparer.Ordinal));
                throw new ConfigException($"{Source}: unknown field '{Shown(Field(k))}'; known fields here: {known}.");
            }
        }
    }

    /// <summary>A value as quoted in messages (<see cref="ErrorText.Shown"/>).</summary>
    public static string Shown(string value) => ErrorText.Shown(value);

    public static string Kind(JsonNode? n) => n switch
    {
        null => "null",
        JsonObject => "an object",
        JsonArray => "an array",
        JsonValue v => v.GetValueKind() switch
        {
            JsonValueKind.String => $"the string \"{Shown(v.GetValue<string>())}\"",
            JsonValueKind.Number => $"the number {v.ToJsonString()}",
            JsonValueKind.True or JsonValueKind.False => v.ToJsonString(),
            _ => v.ToJsonString(),
        },
        _ => n.ToJsonString(),
    };
}
