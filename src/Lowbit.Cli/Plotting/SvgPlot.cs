using System.Globalization;
using System.Security;
using System.Text;

namespace Lowbit.Cli.Plotting;

/// <summary>A linear axis with "nice" ticks (steps 1, 2 or 5 × 10^k).</summary>
/// <param name="Min">Lower end (a multiple of the step).</param>
/// <param name="Max">Upper end (a multiple of the step).</param>
/// <param name="Step">Tick spacing.</param>
internal sealed record NiceAxis(double Min, double Max, double Step)
{
    /// <summary>
    /// The smallest range [k·step, m·step] holding [lo, hi], with step the 1-2-5 number nearest above (hi − lo)/5;
    /// a zero-width range is widened by <paramref name="pad"/> on both sides first.
    /// </summary>
    public static NiceAxis For(double lo, double hi, double pad)
    {
        if (!(hi > lo))
        {
            lo -= pad;
            hi += pad;
        }
        double raw = (hi - lo) / 5;
        double power = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        double step = new[] { 1.0, 2, 5, 10 }.Select(m => m * power).First(s => s >= raw * (1 - 1e-9));
        double min = Math.Floor(lo / step + 1e-9) * step, max = Math.Ceiling(hi / step - 1e-9) * step;
        return new NiceAxis(min, max, step);
    }

    /// <summary>Tick values from Min to Max.</summary>
    public IEnumerable<double> Ticks()
    {
        int n = (int)Math.Round((Max - Min) / Step);
        for (int i = 0; i <= n; i++) yield return Min + i * Step;
    }
}

/// <summary>
/// Writes the accuracy-against-bits chart as plain SVG 1.1 text (no packages): one polyline with circle markers per
/// series, vertical min–max error bars, axes with ticks, labels, a title and a legend on the right.
/// </summary>
/// <remarks>
/// Geometry (user units = pixels): the plot area is [<see cref="Left"/>, <see cref="Width"/> − <see cref="Right"/>] ×
/// [<see cref="Top"/>, <see cref="Height"/> − <see cref="Bottom"/>]; x maps linearly from the x axis' Min..Max to
/// left..right, y from the y axis' Min..Max to bottom..top. Numbers are written with invariant culture, 2 decimals.
/// </remarks>
internal static class SvgPlot
{
    public const double Width = 860, Height = 500, Left = 80, Right = 260, Top = 50, Bottom = 70;

    private static readonly string[] s_colors = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];

    /// <summary>The axes a set of series is drawn on (x padded by 0.5 bit, y by 1 point when flat).</summary>
    public static (NiceAxis X, NiceAxis Y) Axes(IReadOnlyList<PlotSeries> series)
    {
        var points = series.SelectMany(s => s.Points).ToArray();
        if (points.Length == 0) throw new ArgumentException("plot: no points to draw.", nameof(series));
        return (NiceAxis.For(points.Min(p => p.X), points.Max(p => p.X), 0.5), NiceAxis.For(points.Min(p => p.YMin), points.Max(p => p.YMax), 1));
    }

    /// <summary>Pixel x of a data x.</summary>
    public static double PixelX(NiceAxis axis, double x) => Left + (x - axis.Min) / (axis.Max - axis.Min) * (Width - Left - Right);

    /// <summary>Pixel y of a data y (SVG y grows downwards).</summary>
    public static double PixelY(NiceAxis axis, double y) => Height - Bottom - (y - axis.Min) / (axis.Max - axis.Min) * (Height - Top - Bottom);

    /// <summary>The SVG document.</summary>
    /// <param name="series">Series to draw.</param>
    /// <param name="title">Chart title.</param>
    /// <param name="xLabel">x axis label.</param>
    /// <param name="yLabel">y axis label.</param>
    /// <param name="marks">Vertical dashed lines at data x with a label (e.g. a knee), or null.</param>
    /// <param name="pointMarkers">Circles at every point (off for long trajectories).</param>
    /// <param name="hlines">Horizontal dashed lines at data y with a label (e.g. a baseline), or null.</param>
    public static string Render(IReadOnlyList<PlotSeries> series, string title, string xLabel, string yLabel,
        IReadOnlyList<(double X, string Label)>? marks = null, bool pointMarkers = true, IReadOnlyList<(double Y, string Label)>? hlines = null)
    {
        var (ax, ay) = Axes(series);
        foreach (var (x, _) in marks ?? []) ax = NiceAxis.For(Math.Min(ax.Min, x), Math.Max(ax.Max, x), 0.5);
        foreach (var (y, _) in hlines ?? []) ay = NiceAxis.For(Math.Min(ay.Min, y), Math.Max(ay.Max, y), 1);
        var sb = new StringBuilder();
        sb.Append(Inv($"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"{Width}\" height=\"{Height}\" viewBox=\"0 0 {Width} {Height}\" font-family=\"sans-serif\" font-size=\"12\">\n"));
        sb.Append(Inv($"<rect x=\"0\" y=\"0\" width=\"{Width}\" height=\"{Height}\" fill=\"white\"/>\n"));
        sb.Append(Inv($"<text x=\"{(Left + Width - Right) / 2:F2}\" y=\"{Top / 2 + 5:F2}\" text-anchor=\"middle\" font-size=\"15\">{Escape(title)}</text>\n"));
        Axes(sb, ax, ay, xLabel, yLabel);
        for (int i = 0; i < series.Count; i++) Series(sb, series[i], s_colors[i % s_colors.Length], ax, ay, pointMarkers);
        foreach (var (x, label) in marks ?? []) Mark(sb, ax, x, label);
        foreach (var (y, label) in hlines ?? []) HLine(sb, ay, y, label);
        Legend(sb, series);
        sb.Append("</svg>\n");
        return sb.ToString();
    }

    private static void Axes(StringBuilder sb, NiceAxis ax, NiceAxis ay, string xLabel, string yLabel)
    {
        double x0 = Left, x1 = Width - Right, y0 = Height - Bottom, y1 = Top;
        sb.Append("<g class=\"grid\" stroke=\"#dddddd\" stroke-width=\"1\">\n");
        foreach (double t in ax.Ticks()) sb.Append(Inv($"<line x1=\"{PixelX(ax, t):F2}\" y1=\"{y0:F2}\" x2=\"{PixelX(ax, t):F2}\" y2=\"{y1:F2}\"/>\n"));
        foreach (double t in ay.Ticks()) sb.Append(Inv($"<line x1=\"{x0:F2}\" y1=\"{PixelY(ay, t):F2}\" x2=\"{x1:F2}\" y2=\"{PixelY(ay, t):F2}\"/>\n"));
        sb.Append("</g>\n<g class=\"axes\" stroke=\"black\" stroke-width=\"1\">\n");
        sb.Append(Inv($"<line x1=\"{x0:F2}\" y1=\"{y0:F2}\" x2=\"{x1:F2}\" y2=\"{y0:F2}\"/>\n<line x1=\"{x0:F2}\" y1=\"{y0:F2}\" x2=\"{x0:F2}\" y2=\"{y1:F2}\"/>\n"));
        sb.Append("</g>\n<g class=\"ticks\" fill=\"black\">\n");
        foreach (double t in ax.Ticks()) sb.Append(Inv($"<text x=\"{PixelX(ax, t):F2}\" y=\"{y0 + 18:F2}\" text-anchor=\"middle\">{Number(t)}</text>\n"));
        foreach (double t in ay.Ticks()) sb.Append(Inv($"<text x=\"{x0 - 8:F2}\" y=\"{PixelY(ay, t) + 4:F2}\" text-anchor=\"end\">{Number(t)}</text>\n"));
        sb.Append("</g>\n");
        sb.Append(Inv($"<text class=\"xlabel\" x=\"{(x0 + x1) / 2:F2}\" y=\"{Height - 25:F2}\" text-anchor=\"middle\">{Escape(xLabel)}</text>\n"));
        double cy = (y0 + y1) / 2;
        sb.Append(Inv($"<text class=\"ylabel\" x=\"{22:F2}\" y=\"{cy:F2}\" text-anchor=\"middle\" transform=\"rotate(-90 22 {cy:F2})\">{Escape(yLabel)}</text>\n"));
    }

    private static void Mark(StringBuilder sb, NiceAxis ax, double x, string label)
    {
        double px = PixelX(ax, x);
        sb.Append(Inv($"<g class=\"mark\" stroke=\"#555555\"><line x1=\"{px:F2}\" y1=\"{Height - Bottom:F2}\" x2=\"{px:F2}\" y2=\"{Top:F2}\" stroke-dasharray=\"6,4\"/>"));
        sb.Append(Inv($"<text x=\"{px + 4:F2}\" y=\"{Top + 14:F2}\" stroke=\"none\" fill=\"#333333\">{Escape(label)}</text></g>\n"));
    }

    private static void HLine(StringBuilder sb, NiceAxis ay, double y, string label)
    {
        double py = PixelY(ay, y);
        sb.Append(Inv($"<g class=\"hline\" stroke=\"#555555\"><line x1=\"{Left:F2}\" y1=\"{py:F2}\" x2=\"{Width - Right:F2}\" y2=\"{py:F2}\" stroke-dasharray=\"2,3\"/>"));
        sb.Append(Inv($"<text x=\"{Width - Right - 4:F2}\" y=\"{py - 4:F2}\" text-anchor=\"end\" stroke=\"none\" fill=\"#333333\">{Escape(label)}</text></g>\n"));
    }

    private static void Series(StringBuilder sb, PlotSeries s, string color, NiceAxis ax, NiceAxis ay, bool pointMarkers)
    {
        sb.Append(Inv($"<g class=\"series\" data-name=\"{Escape(s.Name)}\" stroke=\"{color}\" fill=\"{color}\">\n"));
        if (s.Points.Count > 1)
            sb.Append(Inv($"<polyline fill=\"none\" stroke-width=\"1.5\" points=\"{string.Join(" ", s.Points.Select(p => Inv($"{PixelX(ax, p.X):F2},{PixelY(ay, p.Y):F2}")))}\"/>\n"));
        foreach (var p in pointMarkers ? s.Points : [])
        {
            double px = PixelX(ax, p.X), lo = PixelY(ay, p.YMin), hi = PixelY(ay, p.YMax);
            if (p.YMax > p.YMin)
                sb.Append(Inv($"<path class=\"errorbar\" fill=\"none\" stroke-width=\"1\" d=\"M{px - 4:F2},{lo:F2} H{px + 4:F2} M{px:F2},{lo:F2} V{hi:F2} M{px - 4:F2},{hi:F2} H{px + 4:F2}\"/>\n"));
            sb.Append(Inv($"<circle cx=\"{px:F2}\" cy=\"{PixelY(ay, p.Y):F2}\" r=\"3.5\"><title>{Escape(p.Model)}: {Number(p.X)} bits, {p.Y:F2} % (min {p.YMin:F2}, max {p.YMax:F2}, {p.Seeds} run(s))</title></circle>\n"));
        }
        sb.Append("</g>\n");
    }

    private static void Legend(StringBuilder sb, IReadOnlyList<PlotSeries> series)
    {
        double x = Width - Right + 20, y = Top + 10;
        sb.Append("<g class=\"legend\">\n");
        for (int i = 0; i < series.Count; i++, y += 20)
        {
            string color = s_colors[i % s_colors.Length];
            sb.Append(Inv($"<line x1=\"{x:F2}\" y1=\"{y:F2}\" x2=\"{x + 20:F2}\" y2=\"{y:F2}\" stroke=\"{color}\" stroke-width=\"2\"/><circle cx=\"{x + 10:F2}\" cy=\"{y:F2}\" r=\"3.5\" fill=\"{color}\"/>\n"));
            sb.Append(Inv($"<text x=\"{x + 28:F2}\" y=\"{y + 4:F2}\">{Escape(series[i].Name)}</text>\n"));
        }
        sb.Append("</g>\n");
    }

    private static string Number(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);

    private static string Escape(string text) => SecurityElement.Escape(text);

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
