using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Lowbit.Cli.Plotting;

/// <summary>One config's point: mean over seeds with the min and max (error bar).</summary>
/// <param name="Model">Config (model) name.</param>
/// <param name="X">Mean x (average weight bits).</param>
/// <param name="Y">Mean y (test error, %).</param>
/// <param name="YMin">Smallest y over seeds.</param>
/// <param name="YMax">Largest y over seeds.</param>
/// <param name="Seeds">Number of runs averaged.</param>
internal sealed record PlotPoint(string Model, double X, double Y, double YMin, double YMax, int Seeds);

/// <summary>A named series of points, sorted by x.</summary>
internal sealed record PlotSeries(string Name, IReadOnlyList<PlotPoint> Points);

/// <summary>
/// Reads result.json files (as written by <c>lowbit train</c>) and groups them for the accuracy-against-bits plot:
/// one point per model (config name; mean over its runs, min–max bars), one series per config family.
/// </summary>
/// <remarks>
/// Family rule: the model name without the tokens that only encode a bit setting or a sweep value, i.e. "-"-separated
/// tokens matching <c>w&lt;n&gt;[a&lt;n&gt;]</c>, <c>a&lt;n&gt;</c>, <c>b&lt;n&gt;</c>, a plain number (1.4, 432) or
/// <c>lam&lt;value&gt;</c>: fashion-mnist-residual-w2a2 → fashion-mnist-residual, fashion-mnist-hbb-1.4-random →
/// fashion-mnist-hbb-random, mnist-bitpruning-bits-lam0.05 → mnist-bitpruning-bits.
/// x = <c>weight_bits_avg</c>, y = 100·<c>test_error</c>.
/// </remarks>
internal static partial class ResultSeries
{
    // w<1-2 digits> is a bit setting (w2, w2a2, w1.4); a wider token such as w128 names a layer width and stays in the family.
    [GeneratedRegex(@"^(w\d{1,2}(\.\d+)?(a\d+)?|a\d+|b\d+(\.\d+)?|\d+(\.\d+)?|lam[0-9.e-]+)$")]
    private static partial Regex SettingToken();

    /// <summary>The family (series) name of a model name (see remarks).</summary>
    public static string Family(string model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var kept = model.Split('-').Where(t => !SettingToken().IsMatch(t)).ToArray();
        return kept.Length == 0 ? model : string.Join('-', kept);
    }

    /// <summary>Every result.json under <paramref name="folder"/> (recursively) as (model, dataset, x, y).</summary>
    /// <param name="folder">Folder searched recursively.</param>
    /// <param name="xField">Numeric field used as x, a dotted path into result.json (e.g. arithmetic.propagation_bits); runs
    /// without it are left out unless it is the default weight_bits_avg, which every run must have.</param>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="InvalidDataException">A result.json is not valid or lacks a field.</exception>
    public static List<(string Model, string Dataset, double X, double Y)> Read(string folder, string xField = "weight_bits_avg")
    {
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"results folder '{folder}' does not exist.");
        var rows = new List<(string, string, double, double)>();
        foreach (var path in Directory.EnumerateFiles(folder, "result.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            JsonObject obj;
            try
            {
                obj = JsonNode.Parse(File.ReadAllText(path))?.AsObject() ?? throw new InvalidDataException($"{path}: not a JSON object.");
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"{path}: invalid JSON ({e.Message.Split(". ")[0]}).");
            }
            if (xField != "weight_bits_avg" && Lookup(obj, xField) is null) continue;
            rows.Add((Field<string>(obj, "model", path), Field<string>(obj, "dataset", path), Field<double>(obj, xField, path), 100 * Field<double>(obj, "test_error", path)));
        }
        return rows;
    }

    /// <summary>Groups rows into series (see remarks); series and points are in a stable order (name, then x).</summary>
    public static List<PlotSeries> Group(IEnumerable<(string Model, string Dataset, double X, double Y)> rows)
    {
        var points = rows.GroupBy(r => r.Model, StringComparer.Ordinal).Select(g =>
        {
            var ys = g.Select(r => r.Y).ToArray();
            return new PlotPoint(g.Key, g.Average(r => r.X), ys.Average(), ys.Min(), ys.Max(), ys.Length);
        });
        return points.GroupBy(p => Family(p.Model), StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new PlotSeries(g.Key, g.OrderBy(p => p.X).ThenBy(p => p.Model, StringComparer.Ordinal).ToList()))
            .ToList();
    }

    /// <summary>The node at a dotted path, or null.</summary>
    private static JsonNode? Lookup(JsonObject obj, string key)
    {
        JsonNode? node = obj;
        foreach (var part in key.Split('.')) node = node is JsonObject o ? o[part] : null;
        return node;
    }

    private static T Field<T>(JsonObject obj, string key, string path)
    {
        try
        {
            return Lookup(obj, key) is JsonValue v ? v.GetValue<T>() : throw new InvalidDataException($"{path}: field '{key}' is missing.");
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException)
        {
            throw new InvalidDataException($"{path}: field '{key}' is not a {(typeof(T) == typeof(string) ? "string" : "number")}.");
        }
    }
}
