using System.CommandLine;
using System.Text;

namespace Lowbit.Cli.Commands;

/// <summary><c>lowbit configs</c>: lists the shipped configs by name with a one-line description each.</summary>
internal static class ConfigsCommand
{
    /// <summary>Longest description printed; longer first sentences are cut at a word boundary.</summary>
    private const int MaxDescription = 76;

    public static Command Create(TextWriter output)
    {
        var cmd = new Command("configs", "List the shipped configs (use one with lowbit train --config NAME).");
        cmd.SetAction(_ => Run(output));
        return cmd;
    }

    private static int Run(TextWriter output)
    {
        string folder = Paths.ShippedConfigFolder()
            ?? throw new UserException("no shipped configs found next to the executable or in a configs/ folder above the working folder.");
        var files = Directory.EnumerateFiles(folder, "*.json").Order(StringComparer.Ordinal).ToList();
        output.WriteLine($"{files.Count} configs in {folder} (lowbit train --config NAME):");
        foreach (string file in files)
        {
            output.WriteLine(Path.GetFileNameWithoutExtension(file));
            output.WriteLine("    " + Description(File.ReadLines(file)));
        }
        return ExitCodes.Ok;
    }

    /// <summary>The first sentence of the comment block at the top of a config, at most <see cref="MaxDescription"/> characters (an 80-column line with the indent).</summary>
    internal static string Description(IEnumerable<string> lines)
    {
        var text = new StringBuilder();
        foreach (string raw in lines.Skip(1))
        {
            string line = raw.Trim();
            if (!line.StartsWith("//", StringComparison.Ordinal)) break;
            text.Append(' ').Append(line.AsSpan(2).Trim());
        }
        string all = text.ToString().Trim();
        if (all.Length == 0) return "(no description)";
        int end = SentenceEnd(all);
        string sentence = end < 0 ? all.TrimEnd('.') : all[..end];
        if (sentence.Length <= MaxDescription) return sentence;
        int cut = sentence.LastIndexOf(' ', MaxDescription - 1);
        return sentence[..(cut > 0 ? cut : MaxDescription - 1)] + "…";
    }

    /// <summary>Index of the first ". " followed by a capital letter ("et al. 2016" goes on), or -1.</summary>
    private static int SentenceEnd(string text)
    {
        for (int i = text.IndexOf(". ", StringComparison.Ordinal); i >= 0; i = text.IndexOf(". ", i + 1, StringComparison.Ordinal))
            if (i + 2 < text.Length && char.IsUpper(text[i + 2]) && !text.AsSpan(0, i).EndsWith(" al", StringComparison.Ordinal)) return i;
        return -1;
    }
}
