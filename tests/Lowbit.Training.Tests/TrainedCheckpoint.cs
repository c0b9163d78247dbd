using System.Text.Json;
using System.Text.Json.Nodes;
using Lowbit.Tensors;
using Lowbit.Testing;
using Lowbit.Training.Checkpoints;
using Lowbit.Training.Config;

namespace Lowbit.Training.Tests;

/// <summary>One real checkpoint of a tiny run (synthetic data, one epoch), shared by the tests that damage it.</summary>
public class TrainedCheckpoint : IDisposable
{
    public const string Config = """
        {
          "name": "tiny", "seed": 2, "threads": 1,
          "data": { "dataset": "mnist", "validation": 10, "normalize": "zero_one" },
          "layers": [ { "type": "flatten" }, { "type": "dense", "units": 6 }, { "type": "batch_norm" }, { "type": "dense", "units": 10 } ],
          "optimizer": { "type": "adam", "lr": 0.01 },
          "train": { "epochs": 1, "batch_size": 10 }
        }
        """;

    public TrainedCheckpoint()
        : this(Config)
    {
    }

    protected TrainedCheckpoint(string configJson)
    {
        Root = SyntheticIdx.TempFolder("trained-checkpoint");
        DataFolder = SyntheticIdx.Write(Path.Combine(Root, "data"), 40, 20);
        var config = ConfigLoader.Parse(configJson, "tiny.json", ["data.path=" + JsonSerializer.Serialize(DataFolder)]);
        string run = Path.Combine(Root, "run");
        new Trainer(config, DataResolver.Load(config.Data), run).Run();
        Bytes = File.ReadAllBytes(Path.Combine(run, Trainer.CheckpointFile));
        Data = Checkpoint.Parse(Bytes, "checkpoint.lbck");
    }

    public string Root { get; }

    public string DataFolder { get; }

    /// <summary>The file as written.</summary>
    public byte[] Bytes { get; }

    /// <summary>The file as read.</summary>
    public CheckpointData Data { get; }

    /// <summary>The header as a mutable JSON object.</summary>
    public JsonObject Header() => JsonNode.Parse(Data.Header)!.AsObject();

    /// <summary>Writes a checkpoint with a valid checksum from the given parts (the original's by default).</summary>
    public string Write(string? header = null, IReadOnlyDictionary<string, Tensor>? model = null, IReadOnlyDictionary<string, Tensor>? optimizer = null)
    {
        string path = Path.Combine(Root, $"crafted-{Guid.NewGuid():N}.lbck");
        Checkpoint.Save(path, new CheckpointData(header ?? Data.Header, model ?? Data.Model, optimizer ?? Data.Optimizer));
        return path;
    }

    public void Dispose()
    {
        Directory.Delete(Root, true);
        GC.SuppressFinalize(this);
    }
}
