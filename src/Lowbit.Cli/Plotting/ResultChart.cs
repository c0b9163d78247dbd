using OxyPlot;
using OxyPlot.Annotations;
using OxyPlot.Axes;
using OxyPlot.Series;

namespace Lowbit.Cli.Plotting;

/// <summary>
/// The chart of <c>lowbit plot</c>, <c>lowbit plot-radix</c> and the report's fronts: one line per series with markers
/// at its points, vertical min–max bars where a point has a spread over seeds, optional dashed reference lines, a legend
/// outside the plot (OxyPlot, exported as SVG).
/// </summary>
internal static class ResultChart
{
    /// <summary>Figure size in pixels (taller when the legend has many entries).</summary>
    public const double Width = 900, Height = 500;

    /// <summary>The SVG file text.</summary>
    /// <param name="series">Series to draw, styled by position (<see cref="ChartStyle"/>).</param>
    /// <param name="title">Chart title.</param>
    /// <param name="xLabel">x axis label.</param>
    /// <param name="yLabel">y axis label.</param>
    /// <param name="marks">Vertical dashed lines at data x with a label (e.g. a knee), or null.</param>
    /// <param name="pointMarkers">Markers at every point (off for long trajectories).</param>
    /// <param name="hlines">Horizontal dashed lines at data y with a label (e.g. a baseline), or null.</param>
    public static string Render(IReadOnlyList<PlotSeries> series, string title, string xLabel, string yLabel,
        IReadOnlyList<(double X, string Label)>? marks = null, bool pointMarkers = true, IReadOnlyList<(double Y, string Label)>? hlines = null)
    {
        var model = Model(series, title, xLabel, yLabel, marks, pointMarkers, hlines);
        return SvgChart.Export(model, Width, HeightFor(series.Count));
    }

    /// <summary>Height that leaves every legend entry room (20 pixels each).</summary>
    public static double HeightFor(int seriesCount) => Math.Max(Height, 140 + 20.0 * seriesCount);

    /// <summary>The plot model (see <see cref="Render"/>).</summary>
    public static PlotModel Model(IReadOnlyList<PlotSeries> series, string title, string xLabel, string yLabel,
        IReadOnlyList<(double X, string Label)>? marks = null, bool pointMarkers = true, IReadOnlyList<(double Y, string Label)>? hlines = null)
    {
        ArgumentNullException.ThrowIfNull(series);
        if (series.Sum(s => s.Points.Count) == 0) throw new ArgumentException("plot: no points to draw.", nameof(series));
        var model = SvgChart.NewModel(title);
        model.Axes.Add(Axis(AxisPosition.Bottom, xLabel));
        model.Axes.Add(Axis(AxisPosition.Left, yLabel));
        for (int i = 0; i < series.Count; i++) AddSeries(model, series[i], ChartStyle.For(i), pointMarkers);
        foreach (var (x, label) in marks ?? []) model.Annotations.Add(Reference(LineAnnotationType.Vertical, x, label));
        foreach (var (y, label) in hlines ?? []) model.Annotations.Add(Reference(LineAnnotationType.Horizontal, y, label));
        SvgChart.AddLegend(model);
        return model;
    }

    /// <summary>A linear axis with grid lines and some room around the data.</summary>
    public static LinearAxis Axis(AxisPosition position, string title) => new()
    {
        Position = position,
        Title = title,
        MajorGridlineStyle = LineStyle.Solid,
        MajorGridlineColor = OxyColor.FromRgb(0xdd, 0xdd, 0xdd),
        MinimumPadding = 0.05,
        MaximumPadding = 0.05,
        TitleFontSize = 13,
    };

    private static void AddSeries(PlotModel model, PlotSeries s, SeriesStyle style, bool pointMarkers)
    {
        var line = new LineSeries
        {
            Title = s.Name,
            Color = style.Color,
            StrokeThickness = 2,
            LineStyle = style.Line,
            MarkerType = pointMarkers ? style.Marker : MarkerType.None,
            MarkerFill = style.Color,
            MarkerSize = 4,
        };
        foreach (var p in s.Points) line.Points.Add(new DataPoint(p.X, p.Y));
        // Min-max bars: one segment per point with a spread, separated by NaN (a break in the line).
        var bars = new LineSeries { Color = style.Color, StrokeThickness = 1, RenderInLegend = false };
        foreach (var p in pointMarkers ? s.Points.Where(p => p.YMax > p.YMin) : [])
        {
            bars.Points.Add(new DataPoint(p.X, p.YMin));
            bars.Points.Add(new DataPoint(p.X, p.YMax));
            bars.Points.Add(new DataPoint(p.X, double.NaN));
        }

        if (bars.Points.Count > 0) model.Series.Add(bars);
        model.Series.Add(line);
    }

    private static LineAnnotation Reference(LineAnnotationType type, double value, string label) => new()
    {
        Type = type,
        X = value,
        Y = value,
        Text = label,
        Color = OxyColor.FromRgb(0x55, 0x55, 0x55),
        LineStyle = type == LineAnnotationType.Vertical ? LineStyle.Dash : LineStyle.Dot,
        StrokeThickness = 1.5,
        FontSize = 12,
        TextColor = OxyColor.FromRgb(0x33, 0x33, 0x33),
    };
}
