using System.Globalization;
using System.Text.Json.Nodes;

namespace Lowbit.Testing.Fuzzing;

/// <summary>
/// Structure-aware mutations of JSON documents (configs, checkpoint headers, model metadata): values replaced by
/// boundary numbers or values of another type, keys removed, added, renamed or duplicated, array elements swapped or
/// repeated, strings swapped for other strings of the document; now and then a textual cut, stray byte or deep nesting.
/// </summary>
public static class JsonMutator
{
    private sealed record Slot(JsonNode Parent, string? Key, int Index)
    {
        public JsonNode? Get() => Parent is JsonObject o ? o[Key!] : Parent.AsArray()[Index];

        public void Set(JsonNode? value)
        {
            if (Parent is JsonObject o) o[Key!] = value;
            else Parent.AsArray()[Index] = value;
        }

        public void Remove()
        {
            if (Parent is JsonObject o) o.Remove(Key!);
            else Parent.AsArray().RemoveAt(Index);
        }
    }

    /// <summary>Applies 1 to 3 mutations to a copy of <paramref name="document"/> and returns the text.</summary>
    /// <param name="document">The valid document (not changed).</param>
    /// <param name="random">The case's generator.</param>
    /// <param name="vocabulary">Extra strings to try in string fields (e.g. names of layer types).</param>
    public static string Mutate(JsonNode document, Random random, IReadOnlyList<string>? vocabulary = null)
    {
        ArgumentNullException.ThrowIfNull(document);
        ArgumentNullException.ThrowIfNull(random);
        var root = document.DeepClone();
        var strings = new List<string>(vocabulary ?? []);
        int count = 1 + random.Next(3);
        for (int m = 0; m < count; m++) MutateTree(root, random, strings);
        string text = root.ToJsonString();
        return random.Next(10) == 0 ? MutateText(text, root, random) : text;
    }

    private static void MutateTree(JsonNode root, Random random, List<string> strings)
    {
        var slots = new List<Slot>();
        Collect(root, slots, strings);
        if (slots.Count == 0)
        {
            if (root is JsonObject empty) empty["x"] = 1;
            return;
        }
        var slot = slots[random.Next(slots.Count)];
        var value = slot.Get();
        switch (random.Next(9))
        {
            case 0:
                slot.Set(Value(random, strings));
                break;
            case 1:
                slot.Remove();
                break;
            case 2:
                if (value is JsonObject target) target["unknown_" + random.Next(100).ToString(CultureInfo.InvariantCulture)] = Value(random, strings);
                else slot.Set(Value(random, strings));
                break;
            case 3:
                slot.Set(slots[random.Next(slots.Count)].Get()?.DeepClone());
                break;
            case 4 when slot.Parent is JsonArray array && array.Count > 1:
                int other = random.Next(array.Count);
                var a = array[slot.Index]?.DeepClone();
                array[slot.Index] = array[other]?.DeepClone();
                array[other] = a;
                break;
            case 5 when slot.Parent is JsonArray array:
                array.Insert(slot.Index, value?.DeepClone());
                break;
            case 6 when slot.Parent is JsonObject obj:
                string renamed = strings.Count > 0 && random.Next(2) == 0 ? strings[random.Next(strings.Count)] : slot.Key + "_";
                if (!obj.ContainsKey(renamed))
                {
                    obj.Remove(slot.Key!);
                    obj[renamed] = value;
                }
                break;
            default:
                slot.Set(Tweak(value, random, strings));
                break;
        }
    }

    private static void Collect(JsonNode node, List<Slot> slots, List<string> strings)
    {
        if (node is JsonObject obj)
        {
            foreach (var (key, child) in obj.ToList())
            {
                slots.Add(new Slot(obj, key, -1));
                strings.Add(key);
                if (child is not null) Collect(child, slots, strings);
            }
        }
        else if (node is JsonArray array)
        {
            for (int i = 0; i < array.Count; i++)
            {
                slots.Add(new Slot(array, null, i));
                if (array[i] is { } child) Collect(child, slots, strings);
            }
        }
        else if (node is JsonValue v && v.TryGetValue(out string? s))
        {
            strings.Add(s);
        }
    }

    private static JsonNode? Tweak(JsonNode? value, Random random, List<string> strings)
    {
        if (value is JsonValue v && v.TryGetValue(out double d))
        {
            double next = d == Math.Floor(d) && random.Next(2) == 0 ? Interesting.Integer(random, (long)Math.Clamp(d, long.MinValue, long.MaxValue)) : Interesting.Float(random, d);
            return double.IsFinite(next) ? JsonValue.Create(next) : JsonValue.Create(next.ToString(CultureInfo.InvariantCulture));
        }
        if (value is JsonValue s && s.TryGetValue(out string? _) && strings.Count > 0) return JsonValue.Create(strings[random.Next(strings.Count)]);
        return Value(random, strings);
    }

    /// <summary>A value of a random JSON type: boundary numbers, strings, booleans, null, empty or nested containers.</summary>
    public static JsonNode? Value(Random random, IReadOnlyList<string> strings)
    {
        ArgumentNullException.ThrowIfNull(random);
        ArgumentNullException.ThrowIfNull(strings);
        switch (random.Next(10))
        {
            case 0:
            case 1:
                return JsonValue.Create(Interesting.Integers[random.Next(Interesting.Integers.Length)]);
            case 2:
                double f = Interesting.Floats[random.Next(Interesting.Floats.Length)];
                return double.IsFinite(f) ? JsonValue.Create(f) : JsonValue.Create(f.ToString(CultureInfo.InvariantCulture));
            case 3:
                return strings.Count > 0 ? JsonValue.Create(strings[random.Next(strings.Count)]) : JsonValue.Create("");
            case 4:
                return JsonValue.Create(random.Next(3) switch { 0 => "", 1 => new string('z', 5000), _ => "a\u0000\n\"b" });
            case 5:
                return JsonValue.Create(random.Next(2) == 0);
            case 6:
                return null;
            case 7:
                return new JsonArray(JsonValue.Create(1), JsonValue.Create("x"));
            case 8:
                return new JsonObject();
            default:
                return new JsonArray();
        }
    }

    private static string MutateText(string text, JsonNode root, Random random)
    {
        switch (random.Next(4))
        {
            case 0:
                return text[..random.Next(text.Length + 1)];
            case 1:
                int at = random.Next(text.Length + 1);
                const string Stray = "{}[],:\"\\x0 \u0001\u00ff";
                return text[..at] + Stray[random.Next(Stray.Length)] + text[at..];
            case 2 when root is JsonObject obj && obj.Count > 0:
                // A key written twice, the second time with another value.
                string key = obj.ElementAt(random.Next(obj.Count)).Key;
                return "{" + JsonValue.Create(key)!.ToJsonString() + ":1," + text[1..];
            default:
                int depth = 30 + random.Next(100);
                return text[..^1] + ",\"deep\":" + new string('[', depth) + new string(']', depth) + "}";
        }
    }
}
