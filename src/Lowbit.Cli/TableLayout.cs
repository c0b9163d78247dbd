using Spectre.Console;

namespace Lowbit.Cli;

/// <summary>A column of a <see cref="TableLayout"/>.</summary>
/// <param name="Header">Header text.</param>
/// <param name="Priority">Lower is kept first when the width does not allow every column (0: always kept).</param>
/// <param name="RightAligned">Numbers are right-aligned.</param>
/// <param name="WrapWidth">For a long text column (a module description): wrap its cells at this many characters when the
/// table would not fit otherwise; null: never wrap.</param>
internal sealed record LayoutColumn(string Header, int Priority, bool RightAligned = true, int? WrapWidth = null);

/// <summary>
/// Lays a table out for a terminal width: columns are taken in priority order while the table still fits (a long text
/// column wraps before it is given up), shown in their original order, and the caller names the ones left out.
/// Without a width every column is kept (output to a file or a pipe).
/// </summary>
internal static class TableLayout
{
    /// <summary>Console width used to measure and to draw tables that have no width limit.</summary>
    public const int Unlimited = 4096;

    /// <summary>The table for <paramref name="width"/> columns (null: no limit), and the headers of the columns left out.</summary>
    /// <param name="columns">Columns in display order.</param>
    /// <param name="rows">One cell per column (plain text, not markup); a null row is an empty separator row.</param>
    /// <param name="width">Terminal columns, or null.</param>
    public static (Table Table, IReadOnlyList<string> LeftOut) Fit(IReadOnlyList<LayoutColumn> columns, IReadOnlyList<string[]?> rows, int? width)
    {
        ArgumentNullException.ThrowIfNull(columns);
        ArgumentNullException.ThrowIfNull(rows);
        var all = Enumerable.Range(0, columns.Count).ToList();
        if (width is null) return (Build(columns, rows, all, wrap: false), []);
        var kept = new List<int>();
        bool wrap = false;
        foreach (int c in all.OrderBy(i => columns[i].Priority).ThenBy(i => i))
        {
            var candidate = kept.Append(c).Order().ToList();
            if (Width(Build(columns, rows, candidate, wrap)) <= width) kept = candidate;
            else if (!wrap && candidate.Any(i => columns[i].WrapWidth is not null) && Width(Build(columns, rows, candidate, wrap: true)) <= width)
                (kept, wrap) = (candidate, true);
        }

        if (kept.Count == 0) kept.Add(all.OrderBy(i => columns[i].Priority).First());
        return (Build(columns, rows, kept, wrap), all.Except(kept).Select(i => columns[i].Header).ToList());
    }

    /// <summary>"Columns left out at 80 columns: a, b (...)", or null when none was.</summary>
    public static string? LeftOutNote(IReadOnlyList<string> leftOut, int? width) => leftOut.Count == 0 ? null
        : $"Columns left out at {width} columns: {string.Join(", ", leftOut)} (a wider terminal, --width N or --json shows them).";

    /// <summary>A console writing to <paramref name="output"/>: colours only on an interactive terminal.</summary>
    /// <param name="output">Where to write.</param>
    /// <param name="width">Columns to wrap text at; null: no limit.</param>
    public static IAnsiConsole Console(TextWriter output, int? width)
    {
        bool terminal = ReferenceEquals(output, System.Console.Out) && !System.Console.IsOutputRedirected;
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = terminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = terminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(output),
        });
        console.Profile.Width = width ?? Unlimited;
        return console;
    }

    /// <summary>
    /// The width to lay out for: --width when given, else the terminal's when the output is one, else null (no limit).
    /// </summary>
    public static int? WidthFor(TextWriter output, int? requested) =>
        requested ?? (ReferenceEquals(output, System.Console.Out) && !System.Console.IsOutputRedirected ? CliApp.TerminalWidth(output) : null);

    private static Table Build(IReadOnlyList<LayoutColumn> columns, IReadOnlyList<string[]?> rows, IReadOnlyList<int> kept, bool wrap)
    {
        var table = new Table().Border(TableBorder.Simple);
        foreach (int c in kept)
        {
            var column = new TableColumn(Markup.Escape(columns[c].Header));
            if (columns[c].RightAligned) column.RightAligned();
            if (wrap && columns[c].WrapWidth is int w) column.Width(w);
            else column.NoWrap();
            table.AddColumn(column);
        }

        foreach (var row in rows)
        {
            if (row is null) table.AddEmptyRow();
            else table.AddRow(kept.Select(c => Markup.Escape(row[c])).ToArray());
        }

        return table;
    }

    /// <summary>Characters of the widest line of the table drawn without a width limit.</summary>
    private static int Width(Table table)
    {
        var text = new StringWriter();
        Console(text, Unlimited).Write(table);
        return text.ToString().Split('\n').Max(l => l.TrimEnd('\r').Length);
    }
}
