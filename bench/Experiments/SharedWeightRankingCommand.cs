using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using MathNet.Numerics.Statistics;
using Microsoft.ML.ArchitectureSearch.Examples;
using Microsoft.ML.ArchitectureSearch.SearchSpaces.Cnn;
using Microsoft.ML.ArchitectureSearch.Training;
using Microsoft.ML.ArchitectureSearch.Training.Cnn;

namespace Microsoft.ML.ArchitectureSearch.Experiments;

/// <summary>
/// Issue 12's fourth result: how well the shared weights rank architectures (Yu et al. 2020 found they can rank
/// poorly). Trains a <see cref="SharedCnn"/> for some epochs with a uniformly random child per mini-batch (random search
/// with weight sharing), draws N architectures at random, scores each on the shared weights over every validation row,
/// then trains each alone from scratch for a fixed short budget on the same rows and scores it on the same validation
/// rows. Prints both accuracies per architecture and the rank correlations between them (Kendall's tau-b, Spearman's
/// rho).
/// </summary>
internal sealed class SharedWeightRankingCommand : System.CommandLine.Command
{
    private readonly CommonOptions.DataDirectoryOption _dataDir = CommonOptions.DataDirectory("cifar10");
    private readonly Option<int?> _trainSize = CommonOptions.TrainSize("images", 5000);
    private readonly Option<int?> _validSize = CommonOptions.ValidSize("images", 1000);
    private readonly Option<int> _sharedEpochs = CommonOptions.Count("--shared-epochs", "Epochs of shared training before the ranking.", 10);
    private readonly Option<int> _aloneEpochs = CommonOptions.Count("--alone-epochs", "Epochs each architecture trains alone.", 2);
    private readonly Option<int> _architectures = CommonOptions.Count("--architectures", "Random architectures ranked.", 20);
    private readonly Option<string?> _space = CommonOptions.ExistingFile("--space", "A CnnSearchSpaceOptions JSON file (the space searched).");
    private readonly Option<string?> _training = CommonOptions.ExistingFile("--training", "A CnnTrainingOptions JSON file (default: the library's defaults).");
    private readonly Option<int> _seed = CommonOptions.Seed();

    public SharedWeightRankingCommand()
        : base("ws-ranking", "Rank random CNN architectures by shared-weight accuracy and by accuracy trained alone; Kendall's tau and Spearman's rho.")
    {
        foreach (Option option in new Option[] { _dataDir, _trainSize, _validSize, _sharedEpochs, _aloneEpochs, _architectures, _space, _training, _seed })
            Options.Add(option);
        _space.Required = true;
        SetAction(Run);
    }

    private int Run(ParseResult parse)
    {
        int trainRows = parse.GetValue(_trainSize)!.Value, validRows = parse.GetValue(_validSize)!.Value;
        (ImageData train, ImageData valid) = CifarSplits.TrainAndValidation(_dataDir.Resolve(parse), trainRows, validRows);
        var space = new CnnSearchSpace(parse.ReadJson<CnnSearchSpaceOptions>(_space)!);
        CnnTrainingOptions training = (parse.ReadJson<CnnTrainingOptions>(_training) ?? new CnnTrainingOptions()) with { Device = "cpu" };
        int seed = parse.GetValue(_seed), sharedEpochs = parse.GetValue(_sharedEpochs), aloneEpochs = parse.GetValue(_aloneEpochs);
        var draw = new Random(seed);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"ws-ranking train={trainRows} valid={validRows} shared_epochs={sharedEpochs} alone_epochs={aloneEpochs} batch={training.BatchSize} lr={training.LearningRate} seed={seed} threads={TorchSharp.torch.get_num_threads()}"));

        var clock = Stopwatch.StartNew();
        using var shared = new SharedCnnTrainer(space, train, valid, training, seed, sharedEpochs);
        for (int e = 0; e < sharedEpochs; e++)
        {
            double loss = shared.TrainEpoch(() => CifarSplits.RandomMember(space, draw), () => false, CancellationToken.None);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"shared epoch {e + 1} loss={loss:0.0000} minutes={clock.Elapsed.TotalMinutes:0.0}"));
        }

        CnnArchitecture[] candidates = Enumerable.Range(0, parse.GetValue(_architectures)).Select(_ => CifarSplits.RandomMember(space, draw)).ToArray();
        double[] sharedAccuracy = candidates.Select(c => shared.Score(c, allValidationRows: true).ValidationMetricPerEpoch[0]).ToArray();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"shared scoring done minutes={clock.Elapsed.TotalMinutes:0.0}"));

        using var alone = new CnnChildTrainer(train, valid, null, training);
        var aloneAccuracy = new double[candidates.Length];
        for (int i = 0; i < candidates.Length; i++)
        {
            using TrainedChild child = alone.Train(candidates[i], new ChildTrainingSettings { Epochs = aloneEpochs, Seed = seed + 1 + i });
            aloneAccuracy[i] = child.Result.ValidationMetricPerEpoch[^1];
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"architecture {i + 1} shared_acc={sharedAccuracy[i]:0.0000} alone_acc={aloneAccuracy[i]:0.0000} params={candidates[i].ParameterCount} minutes={clock.Elapsed.TotalMinutes:0.0} {candidates[i].Describe()}"));
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"kendall_tau_b={KendallTauB(sharedAccuracy, aloneAccuracy):0.000} spearman_rho={Correlation.Spearman(sharedAccuracy, aloneAccuracy):0.000} " +
            $"shared_mean={sharedAccuracy.Average():0.0000} alone_mean={aloneAccuracy.Average():0.0000} minutes={clock.Elapsed.TotalMinutes:0.0}"));
        return 0;
    }

    /// <summary>
    /// Kendall's tau-b (ties in either list counted as neither concordant nor discordant, and corrected for): written
    /// here because Math.NET Numerics, used for Spearman's rho, has no Kendall correlation.
    /// </summary>
    internal static double KendallTauB(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        long concordant = 0, discordant = 0, tiesX = 0, tiesY = 0;
        for (int i = 0; i < x.Count; i++)
            for (int j = i + 1; j < x.Count; j++)
            {
                int sx = Math.Sign(x[i] - x[j]), sy = Math.Sign(y[i] - y[j]);
                if (sx == 0 && sy == 0) continue;
                if (sx == 0) tiesX++;
                else if (sy == 0) tiesY++;
                else if (sx == sy) concordant++;
                else discordant++;
            }

        double denominator = Math.Sqrt((double)(concordant + discordant + tiesX) * (concordant + discordant + tiesY));
        return denominator == 0 ? double.NaN : (concordant - discordant) / denominator;
    }
}
