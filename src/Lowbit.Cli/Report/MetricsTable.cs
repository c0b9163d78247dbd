using System.Globalization;

namespace Lowbit.Cli.Report;

/// <summary>
/// A run's metrics.csv: one row per finished epoch under a header whose first column is "epoch" (classifiers: losses
/// and accuracies; language models: losses and perplexities). Empty cells (no validation set) are null.
/// </summary>
internal sealed class MetricsTable
{
    private readonly Dictionary<string, int> _index;

    private MetricsTable(string path, string[] columns, List<double?[]> rows)
    {
        Path = path;
        Columns = columns;
        Rows = rows;
        _index = columns.Select((c, i) => (c, i)).ToDictionary(p => p.c, p => p.i, StringComparer.Ordinal);
    }

    /// <summary>The file read.</summary>
    public string Path { get; }

    /// <summary>Column names in file order.</summary>
    public IReadOnlyList<string> Columns { get; }

    /// <summary>Rows in file order.</summary>
    public IReadOnlyList<double?[]> Rows { get; }

    /// <summary>True for a language model's table (perplexity columns).</summary>
    public bool IsLanguageModel => Has("val_perplexity");

    /// <summary>Whether the column exists.</summary>
    public bool Has(string column) => _index.ContainsKey(column);

    /// <summary>The column's values, one per row (null where empty).</summary>
    /// <exception cref="InvalidDataException">No such column.</exception>
    public double?[] Column(string column) => _index.TryGetValue(column, out int i)
        ? Rows.Select(r => r[i]).ToArray()
        : throw new InvalidDataException($"{Path}: no column '{column}' (columns: {string.Join(", ", Columns)}).");

    /// <summary>Reads and checks a metrics.csv.</summary>
    /// <exception cref="InvalidDataException">The header does not start with "epoch", a row has another number of
    /// cells, or a cell is not a number (the message names the line and column).</exception>
    public static MetricsTable Read(string path)
    {
        var lines = File.ReadAllLines(path);
        if (lines.Length == 0 || !lines[0].StartsWith("epoch,", StringComparison.Ordinal))
            throw new InvalidDataException($"{path}: line 1 must be a header starting with 'epoch,' (the metrics.csv lowbit train writes).");
        string[] columns = lines[0].Split(',');
        var rows = new List<double?[]>();
        for (int line = 1; line < lines.Length; line++)
        {
            if (lines[line].Length == 0) continue;
            string[] cells = lines[line].Split(',');
            if (cells.Length != columns.Length)
                throw new InvalidDataException($"{path}: line {line + 1} has {cells.Length} cells but the header has {columns.Length}.");
            var row = new double?[cells.Length];
            for (int c = 0; c < cells.Length; c++)
            {
                if (cells[c].Length == 0) continue;
                if (!double.TryParse(cells[c], NumberStyles.Float, CultureInfo.InvariantCulture, out double value))
                    throw new InvalidDataException($"{path}: line {line + 1}, column '{columns[c]}' is not a number ('{Shown(cells[c])}').");
                row[c] = value;
            }

            rows.Add(row);
        }

        return new MetricsTable(path, columns, rows);
    }

    private static string Shown(string text) => text.Length <= 40 ? text : text[..37] + "...";
}
