using System.Runtime.CompilerServices;
using Lowbit.Nn;
using Lowbit.Nn.Layers;
using Lowbit.Nn.Models;
using Lowbit.Training.Config;

namespace Lowbit.Training.Tests;

/// <summary>Every zoo config builds the same network as the C# builder of the same name: modules, names, shapes, initial values.</summary>
public class ZooTests
{
    public static TheoryData<string> Configs => new()
    {
        "mnist-lenet5.json", "cifar10-vgg-small-binary.json", "cifar10-vgg-small-binary-w0.25.json", "cifar10-vgg-small-binary-w0.5.json",
        "cifar10-vgg-small-w0.25.json",
        "cifar10-resnet20.json", "cifar10-resnet20-binary.json", "cifar10-resnet20-dorefa-w1a2.json", "cifar10-resnet20-dorefa-w2a2.json",
        "cifar10-mobilenet-small.json",
    };

    private static Sequential FromZoo(string config, Random random) => config switch
    {
        "mnist-lenet5.json" => Zoo.LeNet5(random),
        "cifar10-vgg-small-binary.json" => Zoo.VggSmall(random, binary: true),
        "cifar10-vgg-small-binary-w0.25.json" => Zoo.VggSmall(random, binary: true, width: 0.25),
        "cifar10-vgg-small-binary-w0.5.json" => Zoo.VggSmall(random, binary: true, width: 0.5),
        "cifar10-vgg-small-w0.25.json" => Zoo.VggSmall(random, binary: false, width: 0.25),
        "cifar10-resnet20.json" => Zoo.ResNet20(random),
        "cifar10-resnet20-binary.json" => Zoo.ResNet20Binary(random),
        "cifar10-resnet20-dorefa-w1a2.json" => Zoo.ResNet20DoReFa(random, 1, 2),
        "cifar10-resnet20-dorefa-w2a2.json" => Zoo.ResNet20DoReFa(random, 2, 2),
        "cifar10-mobilenet-small.json" => Zoo.MobileNetSmall(random),
        _ => throw new ArgumentException(config),
    };

    [Theory]
    [MemberData(nameof(Configs))]
    public void Config_BuildsTheSameNetworkAsTheCSharpBuilder(string file)
    {
        var config = ConfigLoader.Load(Path.Combine(RepoRoot(), "configs", file));
        int[] shape = config.Data.Dataset == "cifar10" ? [3, 32, 32] : [1, 28, 28];
        var fromConfig = ModelBuilder.Build(config, shape);
        var fromZoo = FromZoo(file, new Random(config.Seed));

        Assert.Equal(Describe(fromConfig), Describe(fromZoo));
        var a = fromConfig.NamedParameters().ToList();
        var b = fromZoo.NamedParameters().ToList();
        Assert.Equal(a.Select(p => p.Name), b.Select(p => p.Name));
        for (int i = 0; i < a.Count; i++)
        {
            Assert.True(a[i].Parameter.Value.ToArray().SequenceEqual(b[i].Parameter.Value.ToArray()), $"{file}: initial values of '{a[i].Name}' differ");
            Assert.Equal(a[i].Parameter.Clip, b[i].Parameter.Clip);
            Assert.Equal(a[i].Parameter.Decay, b[i].Parameter.Decay);
        }
        Assert.Equal(fromConfig.NamedBuffers().Select(x => x.Name), fromZoo.NamedBuffers().Select(x => x.Name));
        Assert.Equal(fromConfig.OutputShape(shape), fromZoo.OutputShape(shape));
    }

    /// <summary>Every module of the tree by path with its description.</summary>
    private static string[] Describe(Module model) => model.NamedModules().Select(m => $"{m.Name}: {m.Module.Describe()}").ToArray();

    private static string RepoRoot([CallerFilePath] string source = "")
    {
        for (var d = new DirectoryInfo(Path.GetDirectoryName(source)!); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "Lowbit.slnx"))) return d.FullName;
        throw new InvalidOperationException("Repository root (Lowbit.slnx) not found above " + source);
    }
}
