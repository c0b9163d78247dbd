using Lowbit.Nn.Layers;
using Lowbit.Training;
using Lowbit.Training.Config;

namespace Lowbit.Inference.Tests;

/// <summary>
/// The default BinaryNet MLP (configs/mnist-binarynet.json: 784-1024-1024-1024-10) trained for one epoch on 2,000
/// MNIST images, once per test class, with its checkpoint on disk.
/// </summary>
public sealed class BinaryNetFixture : IDisposable
{
    public BinaryNetFixture()
    {
        Directory = Path.Combine(Path.GetTempPath(), $"lowbit-inference-tests-{Guid.NewGuid():N}");
        var json = File.ReadAllText(Path.Combine(TestData.RepositoryRoot, "configs", "mnist-binarynet.json"));
        Config = ConfigLoader.Parse(json, "mnist-binarynet.json", ["data.train_limit=2000", "train.epochs=1", $"data.path={System.Text.Json.JsonSerializer.Serialize(TestData.Mnist)}"]);
        Data = DataResolver.Load(Config.Data);
        var trainer = new Trainer(Config, Data, Directory);
        trainer.Run();
        Model = trainer.Model;
        CheckpointPath = Path.Combine(Directory, Trainer.CheckpointFile);
    }

    public ExperimentConfig Config { get; }

    public RunData Data { get; }

    public Sequential Model { get; }

    public string Directory { get; }

    public string CheckpointPath { get; }

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // best effort: a temp folder left behind is harmless
        }
    }
}

/// <summary>Shares one trained <see cref="BinaryNetFixture"/> between the test classes that need it.</summary>
[CollectionDefinition(Name)]
public sealed class BinaryNetCollection : ICollectionFixture<BinaryNetFixture>
{
    public const string Name = "BinaryNet";
}
