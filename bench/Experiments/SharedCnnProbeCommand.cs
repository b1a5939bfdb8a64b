using System.CommandLine;
using System.Globalization;
using Microsoft.ML.ArchitectureSearch.Examples;
using Microsoft.ML.ArchitectureSearch.SearchSpaces.Cnn;
using Microsoft.ML.ArchitectureSearch.SearchSpaces.Cnn.References;
using Microsoft.ML.ArchitectureSearch.Training;
using Microsoft.ML.ArchitectureSearch.Training.Cnn;

namespace Microsoft.ML.ArchitectureSearch.Experiments;

/// <summary>
/// Does the shared network learn, and how fast next to a child trained alone? Trains a <see cref="SharedCnn"/> of a CNN
/// space for some epochs, each mini-batch through a child drawn as the chosen mode says (one fixed child, the plain 3x3
/// stack; or a uniformly random child per mini-batch, what ENAS's first epochs and random search with weight sharing
/// do), and after every epoch prints the shared training loss, the plain stack's shared-weight validation accuracy, and
/// the mean shared-weight validation accuracy of a fixed set of random children. Mode <c>alone</c> trains the plain
/// stack by itself with the same recipe, for the reference curve.
/// </summary>
internal sealed class SharedCnnProbeCommand : System.CommandLine.Command
{
    private readonly CommonOptions.DataDirectoryOption _dataDir = CommonOptions.DataDirectory("cifar10");
    private readonly Option<int?> _trainSize = CommonOptions.TrainSize("images", 900);
    private readonly Option<int?> _validSize = CommonOptions.ValidSize("images", 100);
    private readonly Option<int> _epochs = CommonOptions.Count("--epochs", "Epochs of shared (or alone) training.", 10);
    private readonly Option<int> _layers = CommonOptions.Layers("Layers of the CNN space.", new CnnSearchSpaceOptions().LayerCount);
    private readonly Option<string?> _space = CommonOptions.ExistingFile("--space", "A CnnSearchSpaceOptions JSON file (default: the default space with --layers).");
    private readonly Option<string?> _training = CommonOptions.ExistingFile("--training", "A CnnTrainingOptions JSON file (default: the library's defaults).");
    private readonly Option<string> _mode = new Option<string>("--mode")
    {
        Description = "fixed: every mini-batch through the plain 3x3 stack; random: a uniformly random child per mini-batch; alone: the plain stack trained by itself.",
        HelpName = "fixed|random|alone", DefaultValueFactory = _ => "random",
    }.AcceptOnlyFromAmong("fixed", "random", "alone");
    private readonly Option<int> _probeChildren = CommonOptions.Count("--probe-children", "Random children whose mean shared-weight accuracy is printed each epoch.", 10);
    private readonly Option<double?> _clip = new("--clip") { Description = "Clip the shared weights' gradient norm per step to this.", HelpName = "NORM" };
    private readonly Option<int> _seed = CommonOptions.Seed();

    public SharedCnnProbeCommand()
        : base("shared-cnn-probe", "Train the weight-sharing CNN (fixed child, random children) or one child alone; loss and validation accuracy per epoch.")
    {
        foreach (Option option in new Option[] { _dataDir, _trainSize, _validSize, _epochs, _layers, _space, _training, _mode, _probeChildren, _clip, _seed })
            Options.Add(option);
        SetAction(Run);
    }

    private int Run(ParseResult parse)
    {
        int trainRows = parse.GetValue(_trainSize)!.Value, validRows = parse.GetValue(_validSize)!.Value;
        (ImageData train, ImageData valid) = CifarSplits.TrainAndValidation(_dataDir.Resolve(parse), trainRows, validRows);
        CnnSearchSpaceOptions spaceOptions = parse.ReadJson<CnnSearchSpaceOptions>(_space) ?? new CnnSearchSpaceOptions { LayerCount = parse.GetValue(_layers) };
        var space = new CnnSearchSpace(spaceOptions);
        CnnTrainingOptions training = (parse.ReadJson<CnnTrainingOptions>(_training) ?? new CnnTrainingOptions()) with { Device = "cpu" };
        int seed = parse.GetValue(_seed), epochs = parse.GetValue(_epochs);
        string mode = parse.GetValue(_mode)!;
        CnnArchitecture plain = CnnReferences.For(space).Select(r => r.Architecture).OfType<CnnArchitecture>()
            .FirstOrDefault() ?? throw new InvalidOperationException("The space has no plain 3x3 stack.");
        var draw = new Random(seed + 1);
        CnnArchitecture RandomChild() => CifarSplits.RandomMember(space, draw);
        CnnArchitecture[] probes = Enumerable.Range(0, parse.GetValue(_probeChildren)).Select(_ => RandomChild()).ToArray();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"shared-cnn-probe mode={mode} layers={spaceOptions.LayerCount} train={trainRows} valid={validRows} epochs={epochs} batch={training.BatchSize} lr={training.LearningRate} seed={seed} clip={parse.GetValue(_clip)} threads={TorchSharp.torch.get_num_threads()}"));

        if (mode == "alone")
        {
            using var alone = new CnnChildTrainer(train, valid, null, training);
            using TrainedChild child = alone.Train(plain, new ChildTrainingSettings { Epochs = epochs, Seed = seed });
            IReadOnlyList<double> accuracy = child.Result.ValidationMetricPerEpoch;
            for (int e = 0; e < accuracy.Count; e++)
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"epoch {e + 1} plain_alone_valid_acc={accuracy[e]:0.0000}"));
            return 0;
        }

        using var trainer = new SharedCnnTrainer(space, train, valid, training, seed, epochs) { GradientClipNorm = parse.GetValue(_clip) };
        for (int e = 0; e < epochs; e++)
        {
            var watch = System.Diagnostics.Stopwatch.StartNew();
            double loss = trainer.TrainEpoch(() => mode == "fixed" ? plain : RandomChild(), () => false, CancellationToken.None);
            double plainAccuracy = trainer.Score(plain, allValidationRows: true).ValidationMetricPerEpoch[0];
            double probeAccuracy = probes.Average(p => trainer.Score(p, allValidationRows: true).ValidationMetricPerEpoch[0]);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"epoch {e + 1} shared_loss={loss:0.0000} plain_shared_valid_acc={plainAccuracy:0.0000} random_children_mean_valid_acc={probeAccuracy:0.0000} seconds={watch.Elapsed.TotalSeconds:0.0}"));
        }

        return 0;
    }
}
