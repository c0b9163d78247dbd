using System.Text.Json;
using System.Text.Json.Nodes;

namespace Lowbit.Cli;

/// <summary>
/// A command's output either as lines for people or, with --json, as one JSON object on standard output with notes on
/// standard error. The command writes both forms: lines through <see cref="WriteLine"/>, fields through
/// <see cref="Set"/>, and ends with <see cref="Done"/>.
/// </summary>
/// <param name="output">Standard output.</param>
/// <param name="jsonNotes">Standard error in JSON mode; null for lines.</param>
internal sealed class CommandReport(TextWriter output, TextWriter? jsonNotes)
{
    private readonly JsonObject _fields = [];

    /// <summary>True when the output is one JSON object.</summary>
    public bool Json => jsonNotes is not null;

    /// <summary>A line for people (left out in JSON mode).</summary>
    public void WriteLine(string line)
    {
        if (!Json) output.WriteLine(line);
    }

    /// <summary>A notice: on standard output for people, on standard error in JSON mode.</summary>
    public void Note(string line) => (jsonNotes ?? output).WriteLine(line);

    /// <summary>Fields of the JSON object, as name, value pairs (numbers that are not finite become null).</summary>
    public void Set(params object?[] namesAndValues)
    {
        ArgumentNullException.ThrowIfNull(namesAndValues);
        if (namesAndValues.Length % 2 != 0) throw new ArgumentException("Set takes name, value pairs.", nameof(namesAndValues));
        for (int i = 0; i < namesAndValues.Length; i += 2)
        {
            string name = (string)namesAndValues[i]!;
            _fields[name] = namesAndValues[i + 1] switch
            {
                null => null,
                JsonNode node => node,
                double d => double.IsFinite(d) ? d : null,
                double[] values => new JsonArray(values.Select(v => (JsonNode?)(double.IsFinite(v) ? v : null)).ToArray()),
                var value => JsonSerializer.SerializeToNode(value),
            };
        }
    }

    /// <summary>Writes the JSON object in JSON mode; returns <paramref name="exitCode"/>.</summary>
    public int Done(int exitCode)
    {
        if (Json) output.WriteLine(_fields.ToJsonString());
        return exitCode;
    }
}
