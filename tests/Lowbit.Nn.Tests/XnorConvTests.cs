using Lowbit.Nn.Layers;
using Lowbit.Quantization;
using Lowbit.Tensors;

namespace Lowbit.Nn.Tests;

/// <summary>
/// XNOR-Net's activation scale on convolutions: K = (channel-mean |x|) box-filtered over the kernel window, applied to
/// the output. Compared with a direct double-precision loop implementation of the formula and of its gradient.
/// </summary>
public class XnorConvTests
{
    private static double Sign(double v) => v >= 0 ? 1 : -1;

    [Theory]
    [InlineData(1, 0, true)]
    [InlineData(2, 1, true)]
    [InlineData(1, 1, false)]
    public void BoxWindow_ForwardAndBackward_MatchLoopReference(int stride, int pad, bool bias)
    {
        const int n = 2, c = 3, h = 5, w = 6, o = 2, k = 3;
        var rng = new Random(stride * 10 + pad);
        var layer = new Conv2d(c, o, k, stride, pad, bias, rng, new XnorActivation());
        layer.ConvertTo(DType.Float64);
        if (bias) layer.Bias!.Value.CopyFrom(Tensor.RandomUniform(rng, -1, 1, [o], DType.Float64));
        var x = Tensor.RandomUniform(rng, -1.5, 1.5, [n, c, h, w], DType.Float64);
        x.RequiresGrad = true;
        var y = layer.Forward(x);
        int oh = (h + 2 * pad - k) / stride + 1, ow = (w + 2 * pad - k) / stride + 1;
        Assert.Equal(new[] { n, o, oh, ow }, y.Shape.ToArray());
        var g = Tensor.RandomUniform(rng, -1, 1, [n, o, oh, ow], DType.Float64);
        y.Backward(g);

        double[] xv = x.ToDoubleArray(), wv = layer.Weight.Value.ToDoubleArray(), gv = g.ToDoubleArray();
        double[] bv = bias ? layer.Bias!.Value.ToDoubleArray() : new double[o];
        double X(int b, int ch, int r, int q) => r < 0 || r >= h || q < 0 || q >= w ? double.NaN : xv[((b * c + ch) * h + r) * w + q];
        var gx = new double[xv.Length];
        var gw = new double[wv.Length];
        var yRef = new double[n * o * oh * ow];
        for (int b = 0; b < n; b++)
        for (int i = 0; i < oh; i++)
        for (int j = 0; j < ow; j++)
        {
            // K: the mean over the k×k window (zero padding counts as 0) of the channel-mean |x|.
            double kk = 0;
            for (int u = 0; u < k; u++)
            for (int v = 0; v < k; v++)
            {
                int r = i * stride - pad + u, q = j * stride - pad + v;
                if (r < 0 || r >= h || q < 0 || q >= w) continue;
                for (int ch = 0; ch < c; ch++) kk += Math.Abs(X(b, ch, r, q)) / c;
            }
            kk /= k * k;
            for (int oc = 0; oc < o; oc++)
            {
                double s = 0;
                for (int ch = 0; ch < c; ch++)
                for (int u = 0; u < k; u++)
                for (int v = 0; v < k; v++)
                {
                    int r = i * stride - pad + u, q = j * stride - pad + v;
                    if (r < 0 || r >= h || q < 0 || q >= w) continue;
                    s += Sign(X(b, ch, r, q)) * wv[((oc * c + ch) * k + u) * k + v];
                }
                int yi = ((b * o + oc) * oh + i) * ow + j;
                yRef[yi] = s * kk + bv[oc];
                double gy = gv[yi];
                for (int ch = 0; ch < c; ch++)
                for (int u = 0; u < k; u++)
                for (int v = 0; v < k; v++)
                {
                    int r = i * stride - pad + u, q = j * stride - pad + v;
                    if (r < 0 || r >= h || q < 0 || q >= w) continue;
                    int xi = ((b * c + ch) * h + r) * w + q;
                    double xval = xv[xi];
                    gw[((oc * c + ch) * k + u) * k + v] += gy * kk * Sign(xval);
                    // STE path through sign (clip 1) and the exact path through K (d|x|/dx = sign, 0 at 0).
                    gx[xi] += gy * kk * wv[((oc * c + ch) * k + u) * k + v] * (Math.Abs(xval) <= 1 ? 1 : 0);
                    gx[xi] += gy * s * (xval == 0 ? 0 : Sign(xval)) / (c * k * k);
                }
            }
        }
        Close(yRef, y.ToDoubleArray());
        Close(gx, x.Grad!.ToDoubleArray());
        Close(gw, layer.Weight.Value.Grad!.ToDoubleArray());
    }

    [Fact]
    public void PositionWindow_ScalesInputPositions()
    {
        var rng = new Random(5);
        var box = new Conv2d(2, 1, 1, 1, 0, false, new Random(9), new XnorActivation());
        var position = new Conv2d(2, 1, 1, 1, 0, false, new Random(9), new XnorActivation(boxWindow: false));
        var x = Tensor.RandomUniform(rng, -1, 1, [1, 2, 3, 3]);
        // For 1×1 kernels the two conventions agree exactly (up to float rounding order).
        Close(box.Forward(x).ToDoubleArray(), position.Forward(x).ToDoubleArray(), 1e-6);
        var box3 = new Conv2d(2, 1, 3, 1, 1, false, new Random(9), new XnorActivation());
        var position3 = new Conv2d(2, 1, 3, 1, 1, false, new Random(9), new XnorActivation(boxWindow: false));
        Assert.NotEqual(box3.Forward(x).ToArray(), position3.Forward(x).ToArray());
    }

    [Fact]
    public void WindowOption_IsValidated()
    {
        var ex = Assert.Throws<QuantizerConfigException>(() => QuantizerRegistry.Create(new QuantizerSpec("xnor_act", new Dictionary<string, object> { ["window"] = "gauss" }, "c.json")));
        Assert.Contains("window", ex.Message);
        Assert.Contains("box", ex.Message);
        Assert.False(((XnorActivation)QuantizerRegistry.Create(new QuantizerSpec("xnor_act", new Dictionary<string, object> { ["window"] = "position" }, "c.json"))).BoxWindow);
    }

    private static void Close(double[] expected, double[] actual, double tol = 1e-10)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tol * (1 + Math.Abs(expected[i])), $"index {i}: expected {expected[i]}, got {actual[i]}");
    }
}
