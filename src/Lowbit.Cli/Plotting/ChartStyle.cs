using OxyPlot;

namespace Lowbit.Cli.Plotting;

/// <summary>How one series is drawn: colour, marker and line pattern.</summary>
/// <param name="Color">Line and marker colour.</param>
/// <param name="Marker">Point marker.</param>
/// <param name="Line">Line pattern.</param>
internal readonly record struct SeriesStyle(OxyColor Color, MarkerType Marker, LineStyle Line)
{
    /// <summary>The colour as SVG writes it: "rgb(r,g,b)".</summary>
    public string SvgColor => $"rgb({Color.R},{Color.G},{Color.B})";
}

/// <summary>
/// Series styles that stay distinct for many series: ten colours with circles and solid lines, ten more with squares
/// and dashed lines, then the twenty again with other markers and dotted lines (so 16 series never share a look, which
/// a 10-colour cycle did).
/// </summary>
internal static class ChartStyle
{
    // Tableau's 10, then 10 darker or more saturated hues chosen to differ from them.
    private static readonly string[] s_colors =
    [
        "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
        "#393b79", "#f0027f", "#637939", "#a6761d", "#252525", "#843c39", "#1b9e77", "#7b4173", "#e6ab02", "#3690c0",
    ];

    private static readonly MarkerType[] s_markers = [MarkerType.Circle, MarkerType.Square, MarkerType.Diamond, MarkerType.Triangle];

    private static readonly LineStyle[] s_lines = [LineStyle.Solid, LineStyle.Dash, LineStyle.Dot, LineStyle.DashDot];

    /// <summary>Distinct colours before a colour repeats.</summary>
    public static int Colors => s_colors.Length;

    /// <summary>The style of series <paramref name="index"/> (0-based).</summary>
    public static SeriesStyle For(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        int half = s_colors.Length / 2;
        // Block k of ten series: colours of its half of the palette, marker and line pattern k.
        int block = index / half;
        int color = (block % 2) * half + index % half;
        return new SeriesStyle(OxyColor.Parse(s_colors[color]), s_markers[block % s_markers.Length], s_lines[block % s_lines.Length]);
    }
}
