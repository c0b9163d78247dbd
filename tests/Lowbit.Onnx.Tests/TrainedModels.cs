using System.Collections.Concurrent;
using Lowbit.Nn.Layers;
using Lowbit.Training;
using Lowbit.Training.Config;

namespace Lowbit.Onnx.Tests;

/// <summary>A shipped config trained briefly (1 epoch on a small training subset), cached per config and overrides.</summary>
internal sealed record TrainedModel(ExperimentConfig Config, RunData Data, Sequential Model);

/// <summary>Trains and caches models for the export tests (real weights and batch-norm statistics, not random ones).</summary>
internal static class TrainedModels
{
    private static readonly ConcurrentDictionary<string, Lazy<TrainedModel>> s_cache = new(StringComparer.Ordinal);

    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>CIFAR-10 batches: shared/data beside the repository (CI) or the workspace's shared folder; null when absent.</summary>
    public static string? Cifar10 =>
        new[] { Path.Combine(RepositoryRoot, "..", "shared", "data", "cifar10"), "/work/shared/data/cifar10" }.FirstOrDefault(Directory.Exists);

    /// <summary>Config <paramref name="name"/> from configs/, trained on <paramref name="trainImages"/> MNIST images for one epoch.</summary>
    public static TrainedModel Get(string name, int trainImages = 1000, params string[] overrides) =>
        s_cache.GetOrAdd($"{name}|{trainImages}|{string.Join("|", overrides)}", _ => new Lazy<TrainedModel>(() => Train(name, trainImages, overrides))).Value;

    private static TrainedModel Train(string name, int trainImages, string[] overrides)
    {
        string path = Path.Combine(RepositoryRoot, "configs", name + ".json");
        var json = File.ReadAllText(path);
        var parsed = ConfigLoader.Parse(json, path, overrides);
        string dataPath = parsed.Data.Dataset == "cifar10" ? Cifar10 ?? throw new InvalidOperationException("no CIFAR-10") : Path.Combine(RepositoryRoot, "data", "mnist");
        var config = ConfigLoader.Parse(json, path,
            [$"data.train_limit={trainImages}", "data.validation=500", "train.epochs=1", $"data.path={System.Text.Json.JsonSerializer.Serialize(dataPath)}", .. overrides]);
        var data = DataResolver.Load(config.Data);
        string directory = Path.Combine(Path.GetTempPath(), $"lowbit-onnx-tests-{Guid.NewGuid():N}");
        try
        {
            var trainer = new Trainer(config, data, directory);
            trainer.Run();
            return new TrainedModel(config, data, trainer.Model);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Lowbit.slnx"))) return dir.FullName;
        throw new InvalidOperationException("Lowbit.slnx not found above the test binaries.");
    }
}
