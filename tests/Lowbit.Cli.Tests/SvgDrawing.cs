using System.Globalization;
using System.Xml.Linq;
using Lowbit.Cli.Plotting;

namespace Lowbit.Cli.Tests;

/// <summary>What an exported SVG draws: polylines (stroke colour, width, points), filled markers and texts.</summary>
internal sealed class SvgDrawing
{
    private static readonly XNamespace s_svg = "http://www.w3.org/2000/svg";

    /// <summary>The colour of reference lines (--mark, --hline).</summary>
    public static readonly string ReferenceColor = "rgb(85,85,85)";

    private readonly List<(string Style, (double X, double Y)[] Points)> _polylines;
    private readonly List<(string Style, double X, double Y)> _shapes;

    private SvgDrawing(XDocument doc)
    {
        _polylines = doc.Descendants(s_svg + "polyline").Select(p => ((string?)p.Attribute("style") ?? "", Points((string)p.Attribute("points")!))).ToList();
        _shapes = doc.Descendants(s_svg + "ellipse").Select(e => ((string?)e.Attribute("style") ?? "", Number(e, "cx"), Number(e, "cy")))
            .Concat(doc.Descendants(s_svg + "rect").Where(r => r.Attribute("style") is not null)
                .Select(r => ((string)r.Attribute("style")!, Number(r, "x") + Number(r, "width") / 2, Number(r, "y") + Number(r, "height") / 2)))
            .Concat(doc.Descendants(s_svg + "polygon").Select(p => ((string?)p.Attribute("style") ?? "", Points((string)p.Attribute("points")!))).Select(p => (p.Item1, p.Item2.Average(q => q.X), p.Item2.Average(q => q.Y))))
            .ToList();
        Texts = doc.Descendants(s_svg + "text").Select(t => t.Value).ToList();
    }

    /// <summary>Every text element's content.</summary>
    public List<string> Texts { get; }

    /// <summary>Parses (and so checks that it is well-formed XML).</summary>
    public static SvgDrawing Parse(string svg)
    {
        var doc = XDocument.Parse(svg);
        Assert.Equal(s_svg + "svg", doc.Root!.Name);
        return new SvgDrawing(doc);
    }

    /// <summary>Centres of the filled markers of a series style, in document order.</summary>
    public List<(double X, double Y)> Markers(SeriesStyle style) =>
        _shapes.Where(s => s.Style.Contains("fill:" + style.SvgColor, StringComparison.Ordinal)).Select(s => (s.X, s.Y)).ToList();

    /// <summary>Polylines of that colour and width, in document order.</summary>
    public List<(double X, double Y)[]> Lines(string color, double width) =>
        _polylines.Where(p => p.Style.Contains($"stroke:{color};stroke-width:{width.ToString(CultureInfo.InvariantCulture)};", StringComparison.Ordinal)).Select(p => p.Points).ToList();

    /// <inheritdoc cref="Lines(string, double)"/>
    public List<(double X, double Y)[]> Lines(SeriesStyle style, double width) => Lines(style.SvgColor, width);

    /// <summary>The first polyline of that style and width (a series' line; its legend symbol comes later).</summary>
    public (double X, double Y)[] Line(SeriesStyle style, double width) => Lines(style, width).First();

    private static (double X, double Y)[] Points(string text) => text.Split(' ', StringSplitOptions.RemoveEmptyEntries)
        .Select(p => p.Split(',')).Select(p => (double.Parse(p[0], CultureInfo.InvariantCulture), double.Parse(p[1], CultureInfo.InvariantCulture))).ToArray();

    private static double Number(XElement e, string name) => double.Parse((string)e.Attribute(name)!, CultureInfo.InvariantCulture);

    /// <summary>A linear map from data to pixels per axis, fitted on two points and checked on the rest.</summary>
    public sealed record Scale(double X0, double Sx, double Y0, double Sy)
    {
        public double X(double x) => X0 + Sx * x;

        public double Y(double y) => Y0 + Sy * y;

        /// <summary>Fits the map on the first point and the one farthest from it, then checks every point.</summary>
        public static Scale Fit(IReadOnlyList<(double X, double Y, (double X, double Y) Pixel)> points)
        {
            var a = points[0];
            var bx = points.MaxBy(p => Math.Abs(p.X - a.X));
            var by = points.MaxBy(p => Math.Abs(p.Y - a.Y));
            double sx = (bx.Pixel.X - a.Pixel.X) / (bx.X - a.X), sy = (by.Pixel.Y - a.Pixel.Y) / (by.Y - a.Y);
            var scale = new Scale(a.Pixel.X - sx * a.X, sx, a.Pixel.Y - sy * a.Y, sy);
            Assert.True(sx > 0 && sy < 0, $"x must grow to the right and y upwards, got {sx}, {sy}");
            scale.AssertMaps(points.Select(p => (p.X, p.Y)).ToList(), points.Select(p => p.Pixel).ToArray());
            return scale;
        }

        /// <summary>Each data point is drawn where the map puts it (to 0.02 pixels).</summary>
        public void AssertMaps(IReadOnlyList<(double X, double Y)> data, (double X, double Y)[] pixels)
        {
            Assert.Equal(data.Count, pixels.Length);
            for (int i = 0; i < data.Count; i++)
            {
                Assert.True(Math.Abs(X(data[i].X) - pixels[i].X) < 0.02 && Math.Abs(Y(data[i].Y) - pixels[i].Y) < 0.02,
                    $"point {i} ({data[i].X}, {data[i].Y}): drawn at ({pixels[i].X}, {pixels[i].Y}), the scale puts it at ({X(data[i].X)}, {Y(data[i].Y)})");
            }
        }
    }
}
