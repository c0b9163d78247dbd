using Lowbit.Nn;
using Lowbit.Quantization.MixedPrecision;
using Lowbit.Tensors;
using Lowbit.Training.Checkpoints;

namespace Lowbit.Training.Tests;

/// <summary>The running activation means of <c>residual</c> with "means": "running" travel through checkpoints like batch-norm statistics.</summary>
public class ResidualRunningMeansCheckpointTests
{
    [Fact]
    public void SaveLoad_RunningMeans_RestoredAndEvalIdentical()
    {
        var trained = new QuantizerModule(new ResidualBinarizer(2, "activation", 1.0, "running"));
        var rng = new Random(3);
        for (int step = 0; step < 3; step++)
            trained.Forward(Tensor.FromArray(Enumerable.Range(0, 40).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray(), 4, 10));
        var path = Path.Combine(Path.GetTempPath(), "lowbit-running-means-" + Guid.NewGuid().ToString("N") + ".lbck");
        try
        {
            Checkpoint.Save(path, new CheckpointData("{}", trained.StateDict(), new Dictionary<string, Tensor>()));
            var loaded = Checkpoint.Load(path);
            Assert.Contains("running_means", loaded.Model.Keys);
            var resumed = new QuantizerModule(new ResidualBinarizer(2, "activation", 1.0, "running"));
            resumed.LoadStateDict(loaded.Model);
            var a = (ResidualBinarizer)trained.Quantizer;
            var b = (ResidualBinarizer)resumed.Quantizer;
            Assert.Equal(a.RunningMeans, b.RunningMeans);
            Assert.Equal(3, b.RunningUpdates);
            trained.Eval();
            resumed.Eval();
            var probe = Tensor.FromArray(new[] { 0.9f, -0.2f, 0.01f, -0.7f }, 1, 4);
            Assert.Equal(trained.Forward(probe).ToArray(), resumed.Forward(probe).ToArray());
        }
        finally
        {
            File.Delete(path);
        }
    }
}
