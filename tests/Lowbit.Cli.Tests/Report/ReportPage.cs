using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Lowbit.Cli.Tests.Report;

/// <summary>A figure of a report page: the series it says it draws, and the polylines its SVG draws.</summary>
/// <param name="Id">Element id.</param>
/// <param name="Kind">data-kind.</param>
/// <param name="Series">(name, color, x, y) from data-series.</param>
/// <param name="Polylines">(stroke colour, stroke width, points) of every SVG polyline, in document order.</param>
internal sealed record PageFigure(string Id, string Kind, List<(string Name, string Color, double?[] X, double?[] Y)> Series,
    List<(string Color, double Width, (double X, double Y)[] Points)> Polylines);

/// <summary>Reads what the report tests check from a page's HTML (the file, or Chromium's DOM dump of it).</summary>
internal static partial class ReportPage
{
    public static List<PageFigure> Figures(string html) => FigureElement().Matches(html).Select(m =>
    {
        var data = JsonNode.Parse(WebUtility.HtmlDecode(m.Groups[3].Value))!.AsArray();
        var series = data.Select(s => ((string)s!["name"]!, (string)s["color"]!, Numbers(s["x"]!), Numbers(s["y"]!))).ToList();
        var lines = Polyline().Matches(m.Groups[4].Value).Select(p => (p.Groups[2].Value, double.Parse(p.Groups[3].Value, CultureInfo.InvariantCulture),
            p.Groups[1].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(Point).ToArray())).ToList();
        return new PageFigure(m.Groups[1].Value, m.Groups[2].Value, series, lines);
    }).ToList();

    /// <summary>Rows of the table whose opening tag has <paramref name="tableClass"/>: header texts, then per row the cells (text, data-value).</summary>
    public static (List<string> Headers, List<(string Key, List<(string Text, double? Value)> Cells)> Rows) Table(string html, string tableClass, int which = 0)
    {
        string table = TableElement().Matches(html).Where(t => t.Groups[1].Value == tableClass).ElementAt(which).Groups[2].Value;
        var headers = Header().Matches(table).Select(h => WebUtility.HtmlDecode(h.Groups[1].Value)).ToList();
        var rows = Row().Matches(table).Select(r => (WebUtility.HtmlDecode(r.Groups[1].Value), Cell().Matches(r.Groups[2].Value).Select(c =>
            (WebUtility.HtmlDecode(c.Groups[2].Value), c.Groups[1].Success ? (double?)double.Parse(c.Groups[1].Value, CultureInfo.InvariantCulture) : null)).ToList())).ToList();
        return (headers, rows);
    }

    /// <summary>
    /// Checks that the drawn lines are the data: for each series, the first polyline in its colour (width 2) with as
    /// many points, and one affine map (pixel = a + b · value, per axis) that takes every series' data onto its points.
    /// </summary>
    public static void AssertLinesAreTheData(PageFigure figure, bool logY = false)
    {
        var pairs = new List<(double X, double Y, double Px, double Py)>();
        foreach (var (name, color, x, y) in figure.Series)
        {
            var points = figure.Polylines.FirstOrDefault(p => p.Color == color && p.Width == 2 && p.Points.Length == x.Length).Points;
            Assert.True(points is not null, $"{figure.Id}: no polyline in {color} with {x.Length} points for '{name}'");
            for (int i = 0; i < x.Length; i++) pairs.Add((x[i]!.Value, logY ? Math.Log10(y[i]!.Value) : y[i]!.Value, points[i].X, points[i].Y));
        }

        AssertAffine(figure.Id, "x", pairs.Select(p => (p.X, p.Px)).ToList());
        AssertAffine(figure.Id, "y", pairs.Select(p => (p.Y, p.Py)).ToList());
    }

    private static void AssertAffine(string id, string axis, List<(double Value, double Pixel)> pairs)
    {
        var distinct = pairs.DistinctBy(p => p.Value).ToList();
        if (distinct.Count < 2) return; // one value: any map fits
        var (lo, hi) = (distinct.MinBy(p => p.Value), distinct.MaxBy(p => p.Value));
        double slope = (hi.Pixel - lo.Pixel) / (hi.Value - lo.Value);
        Assert.True(Math.Abs(slope) > 1e-6, $"{id}: {axis} does not change with the data");
        foreach (var (value, pixel) in pairs)
        {
            double expected = lo.Pixel + slope * (value - lo.Value);
            Assert.True(Math.Abs(expected - pixel) < 0.02, $"{id}: {axis} value {value} is drawn at {pixel}, the scale puts it at {expected}");
        }
    }

    private static double?[] Numbers(JsonNode array) => array.AsArray().Select(v => v is null ? (double?)null : (double)v).ToArray();

    private static (double X, double Y) Point(string xy)
    {
        var parts = xy.Split(',');
        return (double.Parse(parts[0], CultureInfo.InvariantCulture), double.Parse(parts[1], CultureInfo.InvariantCulture));
    }

    [GeneratedRegex(@"<figure id=""([^""]+)"" data-kind=""([^""]+)"" data-series=""([^""]*)"">(.*?)</figure>", RegexOptions.Singleline)]
    private static partial Regex FigureElement();

    [GeneratedRegex(@"<polyline points=""([^""]*)"" style=""fill:none;stroke:(rgb\([0-9,]+\));stroke-width:([0-9.]+)")]
    private static partial Regex Polyline();

    [GeneratedRegex(@"<table class=""([^""]+)""[^>]*>(.*?)</table>", RegexOptions.Singleline)]
    private static partial Regex TableElement();

    [GeneratedRegex(@"<th[^>]*>([^<]*)</th>")]
    private static partial Regex Header();

    [GeneratedRegex(@"<tr(?: data-(?:run|layer)=""([^""]*)""| class=""total"")?>(.*?)</tr>", RegexOptions.Singleline)]
    private static partial Regex Row();

    [GeneratedRegex(@"<td[^>]*?(?: data-value=""([^""]*)"")?>([^<]*)</td>")]
    private static partial Regex Cell();
}
