using Lowbit.Nn.Layers;
using Lowbit.Nn.Layers.Recurrent;
using Lowbit.Nn.Losses;
using Lowbit.Testing;
using Lowbit.Tensors;

namespace Lowbit.Nn.Tests.Recurrent;

/// <summary>Embedding, decoder (own and tied weights) and the fused token cross-entropy.</summary>
public class LanguageModelLayerTests
{
    [Fact]
    public void Embedding_LooksUpRowsAndScattersGradients()
    {
        var embedding = new Embedding(5, 3, new Random(1));
        embedding.ConvertTo(DType.Float64);
        var ids = Tensor.FromArray(new double[] { 4, 0, 4, 2 }, 2, 2);
        var y = embedding.Forward(ids);
        Assert.Equal([2, 2, 3], y.Shape);
        var w = embedding.Weight.Value.ToDoubleArray();
        Assert.Equal(w[12..15], y.ToDoubleArray()[0..3]);
        GradCheck.Check(_ => embedding.Forward(ids), [embedding.Weight.Value]);
        var ex = Assert.Throws<ArgumentException>(() => embedding.Forward(Tensor.FromArray(new double[] { 1, 5 }, 2)));
        Assert.Contains("0..4", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void EmbeddingLstmDecoder_MatchFiniteDifferences(bool tied)
    {
        var rng = new Random(2);
        var embedding = new Embedding(7, 4, rng, initRange: 0.5);
        var lstm = new Lstm(4, 4, rng, initRange: 0.6);
        var decoder = new Decoder(4, 7, rng, tied ? embedding : null, initRange: 0.5);
        var model = new Layers.Sequential(embedding, lstm, decoder);
        model.ConvertTo(DType.Float64);
        decoder.Bias!.Value.CopyFrom(Tensor.RandomUniform(rng, -0.5, 0.5, [7], DType.Float64));
        var ids = Tensor.FromArray(new double[] { 1, 6, 3, 3, 0, 2 }, 3, 2);
        int[] targets = [6, 3, 3, 0, 2, 5];
        Assert.Equal(tied ? 6 : 7, model.Parameters().Count()); // the tied table is one parameter, not two
        GradCheck.Check(_ =>
        {
            lstm.ResetState();
            return TokenCrossEntropy.Compute(model.Forward(ids), targets).Mean;
        }, [.. model.Parameters().Select(p => p.Value)], maxCoordinates: 30);
    }

    [Fact]
    public void TiedDecoder_OfAnotherWidth_NamesBothShapes()
    {
        var embedding = new Embedding(10, 8, new Random(1));
        var ex = Assert.Throws<ArgumentException>(() => new Decoder(6, 10, new Random(1), embedding));
        Assert.Contains("10 × 8", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TokenCrossEntropy_EqualsTheGenericCrossEntropyAndFiniteDifferences()
    {
        var rng = new Random(3);
        var logits = GradCheck.Input(rng, [5, 9], -3, 3);
        int[] targets = [0, 8, 4, 4, 1];
        var (mean, sum) = TokenCrossEntropy.Compute(logits, targets);
        double expected = Tensor.CrossEntropy(logits.Detach(), targets).Item();
        Assert.Equal(expected, mean.Item(), 12);
        Assert.Equal(expected * 5, sum, 11);
        GradCheck.Check(t => TokenCrossEntropy.Compute(t[0], targets).Mean, [logits]);
        var floats = Tensor.FromArray(logits.ToArray(), 5, 9);
        Assert.Equal(expected, TokenCrossEntropy.Compute(floats, targets).Mean.Item(), 5);
    }

    [Theory]
    [InlineData("lstm")]
    [InlineData("gru")]
    public void LanguageModelSteps_InsideArenaSteps_EqualFreshMemory(string type)
    {
        // Step buffers are recycled at each TensorArena step: losses, gradients and the carried state must come out as
        // with fresh memory, over consecutive windows whose state carries across (a recycled buffer still in use
        // would change a value or throw).
        int createdAfterFirstStep = 0, createdAtEnd = 0;
        List<float[]> Run(bool arena)
        {
            var rng = new Random(6);
            // Sizes above TensorArena.MinPooledLength for every step buffer: 80 tokens × 64 units, 300 words.
            var embedding = new Embedding(300, 64, rng);
            RecurrentLayer lstm = type == "lstm" ? new Lstm(64, 64, rng, layers: 2, dropout: 0.3) : new Gru(64, 64, rng, layers: 2, dropout: 0.3);
            var model = new Layers.Sequential(embedding, new Dropout(0.4), lstm, new Decoder(64, 300, rng, embedding));
            model.Train();
            var buffers = new TensorArena();
            var results = new List<float[]>();
            var data = new Random(7);
            for (int step = 0; step < 3; step++)
            {
                using var scope = arena ? buffers.BeginStep() : null;
                model.SetRandom(new Random(step));
                var ids = Tensor.FromArray(Enumerable.Range(0, 8 * 10).Select(_ => (float)data.Next(300)).ToArray(), 8, 10);
                int[] targets = [.. Enumerable.Range(0, 8 * 10).Select(_ => data.Next(300))];
                foreach (var p in model.Parameters()) p.ZeroGrad();
                var loss = TokenCrossEntropy.Compute(model.Forward(ids), targets).Mean;
                loss.Backward();
                results.Add([(float)loss.Item(), .. model.Parameters().SelectMany(p => p.Grad!.ToArray()), .. lstm.CarriedState!.Hidden.ToArray()]);
                if (step == 0) createdAfterFirstStep = buffers.BuffersCreated;
            }

            createdAtEnd = buffers.BuffersCreated;
            return results;
        }

        var fresh = Run(arena: false);
        var recycled = Run(arena: true);
        for (int step = 0; step < fresh.Count; step++) Assert.Equal(fresh[step], recycled[step]);
        Assert.NotEqual(fresh[0][0], fresh[1][0]); // the windows differ
        Assert.True(createdAfterFirstStep >= 8, $"only {createdAfterFirstStep} step buffers came from the arena");
        Assert.Equal(createdAfterFirstStep, createdAtEnd); // later steps reused the first step's buffers
    }

    [Fact]
    public void LstmStep_IsBitIdenticalForOneAndTwoThreads()
    {
        float[] Run(int threads)
        {
            using var _ = Compute.UseThreads(threads);
            var lstm = new Lstm(64, 96, new Random(4), layers: 2);
            var x = Tensor.RandomUniform(new Random(5), -1, 1, [7, 20, 64]);
            var y = lstm.Forward(x);
            Tensor.Sum(Tensor.Mul(y, y)).Backward();
            return [.. y.ToArray(), .. lstm.Parameters().SelectMany(p => p.Grad!.ToArray())];
        }

        Assert.Equal(Run(1), Run(2));
    }
}
