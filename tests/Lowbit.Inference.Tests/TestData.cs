using Lowbit.Data;
using Lowbit.Nn;
using Lowbit.Nn.Layers;
using Lowbit.Tensors;
using Lowbit.Tensors.Autograd;

namespace Lowbit.Inference.Tests;

/// <summary>Repository paths, the bundled MNIST and the float32 model as oracle.</summary>
internal static class TestData
{
    private static readonly Lazy<TrainTestSets> s_mnist = new(() => DatasetCatalog.LoadMnist(Mnist));

    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    public static string Mnist => Path.Combine(RepositoryRoot, "data", "mnist");

    /// <summary>The shared data folder (shared/data beside the checkout or above it), or null when absent (CI clones elsewhere).</summary>
    public static string? SharedData { get; } = FindSharedData();

    private static string? FindSharedData()
    {
        for (var dir = new DirectoryInfo(RepositoryRoot).Parent; dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "shared", "data");
            if (Directory.Exists(candidate)) return candidate;
        }
        return null;
    }

    public static TrainTestSets MnistSets => s_mnist.Value;

    /// <summary>The packed model's pixel table for single-channel images under <paramref name="normalization"/>.</summary>
    public static float[] PixelTable(NormalizationOptions normalization, int channels)
    {
        Assert.Equal(1, channels);
        return normalization.PixelTable(1);
    }

    /// <summary>The float32 model's outputs and the last dense layer's (pre-bias, pre-BN) outputs, evaluation mode.</summary>
    public static (float[] Logits, float[] LastDense, int[] Classes) FloatModel(Sequential model, ImageDataset data, NormalizationOptions normalization, int count)
    {
        var layers = model.Layers;
        int lastDense = -1;
        for (int i = 0; i < layers.Count; i++) if (layers[i] is Linear) lastDense = i;
        var lastLinear = (Linear)layers[lastDense];
        bool wasTraining = model.Training;
        model.Eval();
        try
        {
            using var _ = GradMode.Disable();
            var inputs = normalization.ToFloatArray(data);
            int classes = lastLinear.OutFeatures;
            var logits = new float[count * classes];
            var dense = new float[count * classes];
            const int Batch = 1000;
            for (int first = 0; first < count; first += Batch)
            {
                int m = Math.Min(Batch, count - first);
                var x = Tensor.FromArray(inputs.AsSpan(first * data.SampleSize, m * data.SampleSize).ToArray(), m, data.Channels, data.Height, data.Width);
                for (int i = 0; i < layers.Count; i++)
                {
                    if (i == lastDense)
                    {
                        // Pre-bias product: the integer the packed runtime returns.
                        var q = lastLinear.InputQuantizer!.Forward(x);
                        Tensor.Linear(q, lastLinear.EffectiveWeight(), null).ToArray().CopyTo(dense, first * classes);
                    }
                    x = layers[i].Forward(x);
                }
                x.ToArray().CopyTo(logits, first * classes);
            }
            var predicted = Tensor.ArgMaxLastDim(Tensor.FromArray(logits, count, classes));
            return (logits, dense, predicted);
        }
        finally
        {
            model.Train(wasTraining);
        }
    }

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Lowbit.slnx"))) return dir.FullName;
        return Path.GetFullPath(Path.Combine(SourceDirectory(), "..", ".."));
    }

    private static string SourceDirectory([System.Runtime.CompilerServices.CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;
}
