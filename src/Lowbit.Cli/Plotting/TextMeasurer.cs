using OxyPlot;

namespace Lowbit.Cli.Plotting;

/// <summary>
/// Measures text for OxyPlot's SVG export in SVG user units (pixels). OxyPlot's managed PDF context holds the metrics of
/// the standard PDF fonts (Helvetica, whose widths Arial shares) but returns points for a size given in pixels (× 0.75);
/// this scales its sizes back by 4/3, so legends and margins are laid out for the text the browser draws (without it,
/// legend entries were cut and their rows overlapped). It only measures: drawing through it is an error.
/// </summary>
internal sealed class TextMeasurer : RenderContextBase
{
    private const double PixelsPerPoint = 4.0 / 3.0;

    private readonly PdfRenderContext _pdf = new(100, 100, OxyColors.White);

    /// <inheritdoc/>
    public override OxySize MeasureText(string text, string fontFamily, double fontSize, double fontWeight)
    {
        if (string.IsNullOrEmpty(text)) return OxySize.Empty;
        var size = _pdf.MeasureText(text, fontFamily, fontSize, fontWeight);
        return new OxySize(size.Width * PixelsPerPoint, size.Height * PixelsPerPoint);
    }

    /// <inheritdoc/>
    public override void DrawLine(IList<ScreenPoint> points, OxyColor stroke, double thickness, EdgeRenderingMode edgeRenderingMode, double[]? dashArray, LineJoin lineJoin) =>
        throw new NotSupportedException("TextMeasurer only measures text.");

    /// <inheritdoc/>
    public override void DrawPolygon(IList<ScreenPoint> points, OxyColor fill, OxyColor stroke, double thickness, EdgeRenderingMode edgeRenderingMode, double[]? dashArray, LineJoin lineJoin) =>
        throw new NotSupportedException("TextMeasurer only measures text.");

    /// <inheritdoc/>
    public override void DrawText(ScreenPoint p, string text, OxyColor fill, string fontFamily, double fontSize, double fontWeight, double rotation, HorizontalAlignment halign, VerticalAlignment valign, OxySize? maxSize) =>
        throw new NotSupportedException("TextMeasurer only measures text.");

    /// <inheritdoc/>
    public override int ClipCount => 0;

    /// <inheritdoc/>
    public override void PushClip(OxyRect clippingRectangle) => throw new NotSupportedException("TextMeasurer only measures text.");

    /// <inheritdoc/>
    public override void PopClip() => throw new NotSupportedException("TextMeasurer only measures text.");
}
