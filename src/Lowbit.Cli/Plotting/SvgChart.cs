using System.Globalization;
using System.Text.RegularExpressions;
using OxyPlot;
using OxyPlot.Legends;

namespace Lowbit.Cli.Plotting;

/// <summary>
/// OxyPlot models for Lowbit's figures and their SVG text (OxyPlot's SvgExporter, fully managed; text is measured with
/// Arial metrics (<see cref="TextMeasurer"/>), which browsers draw with Arial or the metric-compatible Liberation Sans). Titles that would not fit are
/// split into a title and a subtitle or set smaller instead of being clipped; legends sit outside the plot area, which
/// shrinks to make room for them.
/// </summary>
internal static partial class SvgChart
{
    /// <summary>Font of every text.</summary>
    public const string Font = "Arial";

    private const double TitleFontSize = 16, SmallestTitleFontSize = 11;

    /// <summary>A white plot with the title (fitted to the width at export).</summary>
    public static PlotModel NewModel(string title) => new()
    {
        Title = title,
        DefaultFont = Font,
        DefaultFontSize = 12,
        TitleFontSize = TitleFontSize,
        TitleFontWeight = FontWeights.Normal,
        SubtitleFontSize = 13,
        Background = OxyColors.White,
        PlotAreaBorderColor = OxyColor.FromRgb(0x99, 0x99, 0x99),
        ClipTitle = false,
        // Room on the right: the browser's text can come out a few pixels wider than measured.
        Padding = new OxyThickness(8, 8, 24, 8),
    };

    /// <summary>A legend outside the plot area: on the right, or below for many or long entries.</summary>
    public static void AddLegend(PlotModel model, bool below = false)
    {
        ArgumentNullException.ThrowIfNull(model);
        model.Legends.Add(new Legend
        {
            LegendPlacement = LegendPlacement.Outside,
            LegendPosition = below ? LegendPosition.BottomCenter : LegendPosition.RightTop,
            LegendOrientation = below ? LegendOrientation.Horizontal : LegendOrientation.Vertical,
            LegendFont = Font,
            LegendFontSize = 12,
            LegendBorderThickness = 0,
            LegendSymbolLength = 24,
        });
    }

    /// <summary>The SVG of <paramref name="model"/>.</summary>
    /// <param name="model">The plot.</param>
    /// <param name="width">Pixels.</param>
    /// <param name="height">Pixels.</param>
    /// <param name="idPrefix">Prefix for the SVG's element ids (clip paths), so that several figures can share one HTML
    /// page; null keeps OxyPlot's.</param>
    /// <param name="document">A standalone file (XML declaration) rather than an element to inline in HTML.</param>
    public static string Export(PlotModel model, double width, double height, string? idPrefix = null, bool document = true)
    {
        ArgumentNullException.ThrowIfNull(model);
        var measurer = new TextMeasurer();
        FitTitle(model, width, measurer);
        string svg = SvgExporter.ExportToString(model, width, height, false, measurer, false);
        svg = XmlDeclaration().Replace(svg, "").TrimStart('\uFEFF', '\r', '\n');
        // A viewBox lets the figure scale with its box (a page narrower than the figure) instead of being cut.
        svg = svg.Replace("<svg ", string.Create(CultureInfo.InvariantCulture, $"<svg viewBox=\"0 0 {width} {height}\" "), StringComparison.Ordinal);
        if (idPrefix is not null) svg = ClipPathId().Replace(svg, m => m.Groups[1].Value + idPrefix + m.Groups[2].Value);
        return document ? "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n" + svg : svg;
    }

    /// <summary>
    /// Keeps the title within 94 % of the width: split at the first ": " or ", " (the rest becomes the subtitle), then a
    /// smaller font, down to 11 pixels.
    /// </summary>
    private static void FitTitle(PlotModel model, double width, IRenderContext measurer)
    {
        if (string.IsNullOrEmpty(model.Title)) return;
        double room = 0.94 * width;
        bool Fits(string text, double size) => measurer.MeasureText(text, Font, size, FontWeights.Normal).Width <= room;
        if (Fits(model.Title, model.TitleFontSize)) return;
        if (model.Subtitle is null)
        {
            foreach (string separator in new[] { ": ", ", ", " (", " - " })
            {
                int at = model.Title.IndexOf(separator, StringComparison.Ordinal);
                if (at <= 0) continue;
                // "A (b)" keeps its parenthesis on the subtitle; the other separators are dropped.
                int rest = separator == " (" ? at + 1 : at + separator.Length;
                (model.Title, model.Subtitle) = (model.Title[..at], model.Title[rest..]);
                break;
            }
        }

        for (double size = model.TitleFontSize; size > SmallestTitleFontSize && !Fits(model.Title, size); size -= 0.5) model.TitleFontSize = size - 0.5;
        for (double size = model.SubtitleFontSize; model.Subtitle is not null && size > SmallestTitleFontSize && !Fits(model.Subtitle, size); size -= 0.5)
            model.SubtitleFontSize = size - 0.5;
    }

    /// <summary>Invariant text of a number for labels ("0.##").</summary>
    public static string Number(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);

    [GeneratedRegex(@"<\?xml[^>]*\?>")]
    private static partial Regex XmlDeclaration();

    [GeneratedRegex(@"(id=""|url\(#)(clipPath\d+)")]
    private static partial Regex ClipPathId();
}
