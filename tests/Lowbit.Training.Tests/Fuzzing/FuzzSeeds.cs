using System.Text.Json;
using System.Text.Json.Nodes;
using Lowbit.Testing;
using Lowbit.Training.Checkpoints;
using Lowbit.Training.Config;

namespace Lowbit.Training.Tests.Fuzzing;

/// <summary>
/// Seeds for the fuzzers: the repository's configs of every quantizer family, shrunk (8 units, 2 filters, one epoch) and
/// trained on 40 synthetic images, so each checkpoint holds that family's state (batch-norm statistics, PACT α, LSQ
/// steps, BNN+ scales, HBB bit maps, residual running means, BitPruning bitlengths after fine-tuning, the dynamic fixed-point radix log).
/// </summary>
public sealed class FuzzSeeds : IDisposable
{
    /// <summary>Configs in configs/ whose checkpoints seed the checkpoint fuzzer.</summary>
    public static readonly string[] CheckpointConfigs =
    [
        "mnist-binarynet.json", "mnist-binarynet-shift.json", "mnist-cnn-binary.json", "mnist-pact-w2a2.json", "mnist-lsq-w2a2.json",
        "mnist-bnnplus.json", "mnist-hbb-1.4-deploy.json", "mnist-residual-w2a2.json", "mnist-bitpruning-bits.json", "mnist-dorefa-w2a2.json",
        "mnist-xnor.json", "mnist-fm-ternary.json", "mnist-balanced-w2.json", "mnist-lowprec-dfxp-10-12.json",
    ];

    public FuzzSeeds()
    {
        Root = SyntheticIdx.TempFolder("fuzz-seeds");
        string data = SyntheticIdx.Write(Path.Combine(Root, "data"), 40, 10);
        foreach (string file in CheckpointConfigs)
        {
            var config = ConfigLoader.Parse(Shrunk(file).ToJsonString(), file, ["data.path=" + JsonSerializer.Serialize(data)]);
            string run = Path.Combine(Root, Path.GetFileNameWithoutExtension(file));
            new Trainer(config, DataResolver.Load(config.Data), run).Run();
            Checkpoints.Add(Checkpoint.Load(Path.Combine(run, Trainer.CheckpointFile)));
        }
    }

    public string Root { get; }

    /// <summary>One trained checkpoint per entry of <see cref="CheckpointConfigs"/>.</summary>
    public List<CheckpointData> Checkpoints { get; } = [];

    /// <summary>A repository config made small: hidden layers of 8 units or 2 filters, one epoch (plus one of fine-tuning), MNIST-shaped data.</summary>
    public static JsonObject Shrunk(string file)
    {
        string text = File.ReadAllText(Path.Combine(TestPaths.RepoRoot, "configs", file));
        var root = JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true })!.AsObject();
        root["threads"] = 1;
        root["data"] = new JsonObject { ["dataset"] = "mnist", ["validation"] = 10, ["normalize"] = root["data"]?["normalize"]?.DeepClone() ?? "plus_minus_one" };
        root["train"] = new JsonObject { ["epochs"] = 1, ["batch_size"] = 10 };
        if (root["bitpruning"] is JsonObject bitPruning) bitPruning["finetune_epochs"] = 1;
        if (root["layers"] is JsonArray layers)
            foreach (var layer in layers.OfType<JsonObject>())
            {
                if (layer["units"] is JsonValue units && units.GetValue<int>() != 10) layer["units"] = 8;
                if (layer["filters"] is not null) layer["filters"] = 2;
            }
        return root;
    }

    public void Dispose() => Directory.Delete(Root, true);
}
