using Lowbit.Onnx.Export;
using Lowbit.Tensors;
using Xunit.Abstractions;

namespace Lowbit.Onnx.Tests;

/// <summary>What <see cref="OnnxComparison.OnTestSet"/> found.</summary>
internal sealed record ComparisonReport(int Images, int ClassMismatches, int FlipFreeClassMismatches, int ImagesWithFlips, long Flips, long UnexplainedFlips,
    double WorstLogit, bool PerSampleStatistics)
{
    /// <summary>
    /// Classes identical on every image; for models whose activation quantizers use per-sample statistics (a flip of one
    /// element moves every level of the sample), identical on every image without flips and on all but 0.1 % overall.
    /// </summary>
    public void AssertAgreement(string label)
    {
        Assert.True(FlipFreeClassMismatches == 0, $"{label}: ONNX Runtime's class differs from Lowbit's on {FlipFreeClassMismatches} images without activation flips.");
        Assert.True(PerSampleStatistics ? ClassMismatches * 1000 <= Images : ClassMismatches == 0,
            $"{label}: ONNX Runtime's class differs from Lowbit's on {ClassMismatches} of {Images} images.");
        Assert.True(UnexplainedFlips == 0, $"{label}: {UnexplainedFlips} quantized activations differ away from any rounding boundary.");
        Assert.True(WorstLogit <= ModelExportTests.LogitTolerance,
            $"{label}: largest logit difference {WorstLogit:E2} on an image without activation flips exceeds {ModelExportTests.LogitTolerance:E0}.");
    }
}

/// <summary>
/// Runs Lowbit and ONNX Runtime on test images (batches of 250) and compares classes, quantized activations and
/// logits. An activation "flips" when the two differ by more than 1e-5 relative; for elementwise quantizers a flip must
/// sit at a rounding boundary of Lowbit's pre-quantization value (an upstream float difference moved it across), else it
/// is "unexplained"; flips at later sites of the same image follow from the first and are counted, not judged. Logits are held to the tolerance on images without flips (a flip moves the logits by a level step).
/// </summary>
internal sealed class OnnxComparison(ITestOutputHelper output)
{
    private const int Batch = 250;

    public ComparisonReport OnTestSet(string label, TrainedModel trained, int count)
    {
        var test = trained.Data.Test;
        int[] shape = [test.Channels, test.Height, test.Width];
        var onnx = OnnxExporter.Export(trained.Model, shape, new OnnxExportOptions(label));
        if (OrtHarness.Check(onnx) is { } note) output.WriteLine($"checker skipped: {note}");
        var sites = ActivationSites.Find(trained.Model, onnx, shape);
        using var session = OrtHarness.Open(OrtHarness.WithOutputs(onnx, sites.Select(s => (s.OnnxValue, s.Shape)).ToArray()));
        var inputs = trained.Data.Normalization.ToFloatArray(test);
        int size = test.SampleSize, classMismatches = 0, flipFreeMismatches = 0, imagesWithFlips = 0;
        long flips = 0, unexplained = 0;
        double worst = 0;
        for (int first = 0; first < count; first += Batch)
        {
            int m = Math.Min(Batch, count - first);
            var batch = inputs.AsSpan(first * size, m * size);
            var (expected, lowbitSites) = ActivationSites.Run(trained.Model, sites, Tensor.FromArray(batch.ToArray(), [m, .. shape]));
            var ort = OrtHarness.Run(session, batch, [m, .. shape], ["output", .. sites.Select(s => s.OnnxValue)]);
            int classes = expected.Length / m;
            for (int i = 0; i < m; i++)
            {
                long imageFlips = 0;
                for (int s = 0; s < sites.Count; s++)
                {
                    // Only the first site that flips is judged: later sites see a different input downstream of it.
                    bool judge = imageFlips == 0 && sites[s].Elementwise;
                    int n = lowbitSites[s].Quantized.Length / m;
                    for (int j = i * n; j < (i + 1) * n; j++)
                    {
                        float e = lowbitSites[s].Quantized[j], a = ort[s + 1][j];
                        if (Math.Abs(e - a) <= 1e-5 * Math.Max(1, Math.Abs(e))) continue;
                        imageFlips++;
                        if (judge && !ActivationSites.NearBoundary(sites[s].Quantizer, lowbitSites[s].Pre[j])) unexplained++;
                    }
                }
                var e0 = expected.AsSpan(i * classes, classes);
                var a0 = ort[0].AsSpan(i * classes, classes);
                bool differs = ArgMax(e0) != ArgMax(a0);
                if (differs) classMismatches++;
                if (differs && imageFlips == 0) flipFreeMismatches++;
                flips += imageFlips;
                if (imageFlips > 0)
                {
                    imagesWithFlips++;
                    continue;
                }
                double scale = 1;
                foreach (float v in e0) scale = Math.Max(scale, Math.Abs(v));
                for (int k = 0; k < classes; k++) worst = Math.Max(worst, Math.Abs(e0[k] - a0[k]) / scale);
            }
        }
        output.WriteLine($"{label}: {count} images, {sites.Count} quantized activations; classes differ on {classMismatches}; "
            + $"{flips} activation flips ({unexplained} away from a boundary) on {imagesWithFlips} images; largest relative logit difference elsewhere {worst:E2}");
        return new ComparisonReport(count, classMismatches, flipFreeMismatches, imagesWithFlips, flips, unexplained, worst, sites.Any(s => !s.Elementwise));
    }

    private static int ArgMax(ReadOnlySpan<float> v)
    {
        int best = 0;
        for (int k = 1; k < v.Length; k++) if (v[k] > v[best]) best = k;
        return best;
    }
}
