using System.Text.Json.Nodes;
using Lowbit.Tensors;
using Lowbit.Testing.Fuzzing;
using Lowbit.Training.Checkpoints;
using Lowbit.Training.Config;

namespace Lowbit.Training.Tests.Fuzzing;

/// <summary>
/// Structure-aware fuzzing of the checkpoint reader (<see cref="Checkpoint.Parse"/>, <see cref="RunCheckpoint"/>):
/// real checkpoints are taken apart into fields, 1 to 3 fields are damaged (header JSON, lengths, counts, names, types,
/// shapes, values, records), lengths and the CRC are recomputed, and the result is read as eval, export and resume read
/// it. Every case must end in a clean rejection (<see cref="InvalidDataException"/>, one short line naming the file) or
/// in a model that builds, takes the optimizer state and computes finite outputs. 10^4 cases in CI; set
/// LOWBIT_FUZZ_CASES=1000000 for the long run (docs/RELIABILITY.md).
/// </summary>
[Trait("Category", "Fuzz")]
public sealed class CheckpointFuzzTests(FuzzSeeds seeds) : IClassFixture<FuzzSeeds>
{
    private const string Source = "fuzz.lbck";

    private static readonly string[] s_vocabulary =
        [.. ModelBuilder.LayerTypes, "ste_sign", "pact", "lsq", "dorefa_weight", "hbb", "adam", "sgd", "exponential", "mnist", "cifar10", "zero_one", "standardize"];

    private static string MutateHeader(string header, Random random)
    {
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(header, documentOptions: new System.Text.Json.JsonDocumentOptions { AllowDuplicateProperties = false });
        }
        catch (System.Text.Json.JsonException)
        {
            node = null;
        }
        return node is null ? header[..random.Next(header.Length + 1)] : JsonMutator.Mutate(node, random, s_vocabulary);
    }

    [Fact]
    public void Fuzz_CheckpointReader_RejectsCleanlyOrLoadsAUsableModel()
    {
        var images = seeds.Checkpoints.Select(CheckpointImage.From).ToArray();
        var input = Tensor.FromArray(Enumerable.Range(0, 2 * 784).Select(i => (float)Math.Sin(i)).ToArray(), 2, 1, 28, 28);
        int accepted = 0, rejected = 0;
        int cases = FuzzRunner.Run("checkpoint", 20261202, FuzzRunner.Cases(10_000), (index, random) =>
        {
            var image = images[index % images.Length].Clone();
            int mutations = random.Next(10) switch { < 6 => 1, < 9 => 2, _ => 3 };
            for (int m = 0; m < mutations; m++) image.Mutate(random, MutateHeader);
            var file = image.Serialize();
            FuzzRunner.Dump("checkpoint", index, file);
            if (Check(file, input)) accepted++;
            else rejected++;
        });
        // Both outcomes must stay common, or the mutations have stopped reaching the checks behind the checksum.
        Assert.True(rejected > cases / 4 && accepted > cases / 30, $"{accepted} accepted, {rejected} rejected");
    }

    /// <summary>True when the file was accepted and the model is usable; false for a clean rejection; throws for anything else.</summary>
    private static bool Check(byte[] file, Tensor input)
    {
        try
        {
            var checkpoint = RunCheckpoint.FromData(Checkpoint.Parse(file, Source), Source);
            var model = checkpoint.BuildModel([1, 28, 28]);
            checkpoint.LoadInto(Components.CreateOptimizer(checkpoint.Config.Optimizer, model));
            model.Eval();
            var output = model.Forward(input);
            if (output.ToArray().Any(v => !float.IsFinite(v)))
                throw new FuzzFinding("accepted a checkpoint whose model computes a non-finite output", null);
            if (checkpoint.State?.FindInconsistency() is { } problem) throw new FuzzFinding("accepted an inconsistent state: " + problem, null);
            return true;
        }
        catch (InvalidDataException e)
        {
            FuzzAssert.CleanMessage(e, Source);
            return false;
        }
    }
}
