using System.Globalization;
using System.Text.Json.Nodes;
using Lowbit.Cli.Plotting;
using OxyPlot;
using OxyPlot.Annotations;
using OxyPlot.Axes;
using OxyPlot.Series;

namespace Lowbit.Cli.Report;

/// <summary>One series of a report figure: its points exactly as drawn.</summary>
/// <param name="Name">Legend text.</param>
/// <param name="Style">Colour, marker and line.</param>
/// <param name="X">x values.</param>
/// <param name="Y">y values (same length).</param>
/// <param name="YMin">Lower ends of min–max bars, or null.</param>
/// <param name="YMax">Upper ends of min–max bars, or null.</param>
/// <param name="Markers">Markers at the points.</param>
internal sealed record FigureSeries(string Name, SeriesStyle Style, double[] X, double[] Y, double[]? YMin = null, double[]? YMax = null, bool Markers = true);

/// <summary>
/// A figure of <c>lowbit report</c>: the data it shows (also written into the page as a data attribute, so tests and
/// readers can check the drawing against the run's files) and how it is drawn with OxyPlot.
/// </summary>
/// <param name="Id">Unique id in the page (also the prefix of the SVG's element ids).</param>
/// <param name="Kind">learning-curve, front, histogram or overview.</param>
/// <param name="Title">Title.</param>
/// <param name="XLabel">x axis title.</param>
/// <param name="YLabel">y axis title.</param>
/// <param name="Series">What is drawn.</param>
internal sealed record ReportFigure(string Id, string Kind, string Title, string XLabel, string YLabel, IReadOnlyList<FigureSeries> Series)
{
    /// <summary>Logarithmic x axis.</summary>
    public bool LogX { get; init; }

    /// <summary>Logarithmic y axis.</summary>
    public bool LogY { get; init; }

    /// <summary>Draw the series as bars of width 0.8 centred on x (a histogram over integers) instead of lines.</summary>
    public bool Bars { get; init; }

    /// <summary>Vertical dashed lines (x, label).</summary>
    public IReadOnlyList<(double X, string Label)> Marks { get; init; } = [];

    /// <summary>Figure width in pixels.</summary>
    public double Width { get; init; } = 760;

    /// <summary>Figure height in pixels (at least enough for the legend).</summary>
    public double Height => Math.Max(380, 150 + 20.0 * Series.Count);

    /// <summary>The series as JSON: [{name, color, x: [...], y: [...]}] (null for numbers that are not finite).</summary>
    public string DataJson() => new JsonArray(Series.Select(s => (JsonNode)new JsonObject
    {
        ["name"] = s.Name,
        ["color"] = s.Style.SvgColor,
        ["x"] = Numbers(s.X),
        ["y"] = Numbers(s.Y),
    }).ToArray()).ToJsonString();

    /// <summary>The SVG element to inline in the page.</summary>
    public string Svg() => SvgChart.Export(Model(), Width, Height, Id + "-", document: false);

    private PlotModel Model()
    {
        var model = SvgChart.NewModel(Title);
        model.Axes.Add(Axis(AxisPosition.Bottom, XLabel, LogX));
        model.Axes.Add(Axis(AxisPosition.Left, YLabel, LogY));
        foreach (var s in Series)
        {
            if (Bars) AddBars(model, s);
            else AddLine(model, s);
        }

        foreach (var (x, label) in Marks)
        {
            model.Annotations.Add(new LineAnnotation
            {
                Type = LineAnnotationType.Vertical, X = x, Text = label, LineStyle = LineStyle.Dash, StrokeThickness = 1,
                Color = OxyColor.FromRgb(0x55, 0x55, 0x55), TextColor = OxyColor.FromRgb(0x33, 0x33, 0x33),
            });
        }

        if (Series.Count > 1) SvgChart.AddLegend(model);
        if (Bars && LogY && Series.Count > 0)
        {
            // Room above the tallest bar (OxyPlot's automatic range ends at it on a log axis).
            model.Axes[1].Maximum = 3 * Series.Max(s => s.Y.DefaultIfEmpty(1).Max());
            model.Axes[0].Minimum = Math.Min(0, Series.Min(s => s.X.DefaultIfEmpty(0).Min()) - 1);
            model.Axes[0].Maximum = Series.Max(s => s.X.DefaultIfEmpty(0).Max()) + 1;
        }

        return model;
    }

    private static Axis Axis(AxisPosition position, string title, bool log)
    {
        Axis axis = log ? new LogarithmicAxis { Position = position, Title = title } : ResultChart.Axis(position, title);
        axis.MajorGridlineStyle = LineStyle.Solid;
        axis.MajorGridlineColor = OxyColor.FromRgb(0xdd, 0xdd, 0xdd);
        axis.TitleFontSize = 13;
        return axis;
    }

    private static void AddLine(PlotModel model, FigureSeries s)
    {
        var line = new LineSeries
        {
            Title = s.Name, Color = s.Style.Color, StrokeThickness = 2, LineStyle = s.Style.Line,
            MarkerType = s.Markers ? s.Style.Marker : MarkerType.None, MarkerFill = s.Style.Color, MarkerSize = 3.5,
        };
        for (int i = 0; i < s.X.Length; i++) line.Points.Add(new DataPoint(s.X[i], s.Y[i]));
        if (s.YMin is not null && s.YMax is not null)
        {
            var bars = new LineSeries { Color = s.Style.Color, StrokeThickness = 1, RenderInLegend = false };
            for (int i = 0; i < s.X.Length; i++)
            {
                if (!(s.YMax[i] > s.YMin[i])) continue;
                bars.Points.Add(new DataPoint(s.X[i], s.YMin[i]));
                bars.Points.Add(new DataPoint(s.X[i], s.YMax[i]));
                bars.Points.Add(new DataPoint(s.X[i], double.NaN));
            }

            if (bars.Points.Count > 0) model.Series.Add(bars);
        }

        model.Series.Add(line);
    }

    private void AddBars(PlotModel model, FigureSeries s)
    {
        var bars = new RectangleBarSeries { Title = s.Name, FillColor = s.Style.Color, StrokeColor = OxyColors.White, StrokeThickness = 1 };
        double bottom = LogY ? 0.5 : 0;
        for (int i = 0; i < s.X.Length; i++) bars.Items.Add(new RectangleBarItem(s.X[i] - 0.4, bottom, s.X[i] + 0.4, s.Y[i]));
        model.Series.Add(bars);
    }

    private static JsonArray Numbers(double[] values) => new(values.Select(v => double.IsFinite(v) ? JsonValue.Create(Math.Round(v, 9)) : null).ToArray<JsonNode?>());

    /// <summary>Invariant number text for captions.</summary>
    public static string Format(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);
}
