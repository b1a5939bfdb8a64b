using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Microsoft.ML.ArchitectureSearch.Data;
using Microsoft.ML.ArchitectureSearch.Examples;
using Microsoft.ML.ArchitectureSearch.Execution;
using Microsoft.ML.ArchitectureSearch.SearchSpaces.Cnn;

namespace Microsoft.ML.ArchitectureSearch.Experiments;

/// <summary>
/// A long search through the public API (MapValueToKey + ArchitectureSearch, Random strategy so every child is a new
/// random architecture and sizes vary) that prints the process's memory every N trained children: resident set
/// (VmRSS), its peak so far, the managed heap, the tensors alive on the search's thread, and glibc malloc's bytes in
/// use and held free (mallinfo2), which tell a leak (in use grows) from allocator retention (free grows).
/// </summary>
internal sealed class SoakCommand : System.CommandLine.Command
{
    private readonly CommonOptions.DataDirectoryOption _dataDir = CommonOptions.DataDirectory("cifar10");
    private readonly Option<int> _trials = CommonOptions.Trials(300);
    private readonly Option<int> _every = CommonOptions.Count("--every", "Trained children between memory lines.", 25);
    private readonly Option<int> _searchRows = CommonOptions.Count("--search-size", "Training images each child trains on.", 400);
    private readonly Option<int> _layers = CommonOptions.Layers("Layers of the searched CNNs.", 3);
    private readonly Option<int> _seed = CommonOptions.Seed();

    public SoakCommand()
        : base("soak", "A long CIFAR-10 search on testdata printing resident memory every N children (leak check).")
    {
        foreach (Option option in new Option[] { _dataDir, _trials, _every, _searchRows, _layers, _seed })
            Options.Add(option);
        SetAction(Run);
    }

    private int Run(ParseResult parse)
    {
        var ml = new MLContext(seed: parse.GetValue(_seed));
        IDataView train = Cifar10Loader.LoadDataView(ml, _dataDir.Resolve(parse), Cifar10Split.Train);
        int every = parse.GetValue(_every);
        var memory = new MemoryLines(every);
        var options = new ArchitectureSearchOptions
        {
            Task = ArchitectureSearchTask.ImageClassification,
            FeatureColumnName = "Image", LabelColumnName = "Label",
            ImageChannels = 3, ImageHeight = 32, ImageWidth = 32,
            Strategy = SearchStrategy.Random,
            MaxTrials = parse.GetValue(_trials),
            TrialEpochs = 1,
            FinalEpochs = 1,
            SearchTrainingRows = parse.GetValue(_searchRows),
            ReuseDuplicateResults = false,
            InitialArchitectures = Array.Empty<string>(),
            ConvolutionalSpace = new CnnSearchSpaceOptions { LayerCount = parse.GetValue(_layers), FilterCounts = new[] { 8, 16, 24 } },
            Progress = memory,
        };
        Console.WriteLine($"soak: {options.MaxTrials} children, {options.ConvolutionalSpace.LayerCount} layers, filters 8/16/24, " +
            $"{options.SearchTrainingRows} training images each, 1 epoch, libtorch threads {TorchSharp.torch.get_num_threads()}");
        memory.Print("start", 0);
        var model = ml.Transforms.Conversion.MapValueToKey("Label").Append(ml.Transforms.ArchitectureSearch(options)).Fit(train);
        memory.Print("after final training", model.LastTransformer.Trials.Count(t => t.Kind == TrialKind.Trained));
        return 0;
    }

    /// <summary>Prints a memory line every <c>every</c> trained children; called on the search's thread.</summary>
    private sealed class MemoryLines : IProgress<SearchProgress>
    {
        private readonly int _every;
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private int _lastPrinted;

        public MemoryLines(int every) => _every = every;

        public void Report(SearchProgress value)
        {
            if (value.TrainedTrials % _every != 0 || value.TrainedTrials == _lastPrinted) return;
            _lastPrinted = value.TrainedTrials;
            Print("children", value.TrainedTrials);
        }

        public void Print(string what, int trained)
        {
            using var process = Process.GetCurrentProcess();
            static string MiB(long bytes) => (bytes / 1048576.0).ToString("0", CultureInfo.InvariantCulture);
            var tensors = TorchSharp.DisposeScopeManager.Statistics.TensorStatistics;
            MallocInfo malloc = OperatingSystem.IsLinux() ? MallInfo2() : default;
            Console.WriteLine($"{what,-20} trained={trained,4} seconds={_clock.Elapsed.TotalSeconds,7:0} rss_mib={MiB(process.WorkingSet64),6} " +
                $"peak_rss_mib={MiB(process.PeakWorkingSet64),6} managed_heap_mib={MiB(GC.GetTotalMemory(false)),5} live_tensors={tensors.ThreadTotalLiveCount} " +
                $"malloc_in_use_mib={MiB((long)(malloc.Uordblks + malloc.Hblkhd)),5} malloc_free_mib={MiB((long)malloc.Fordblks),5} malloc_arena_mib={MiB((long)malloc.Arena),5}");
        }
    }

    /// <summary>glibc's struct mallinfo2 (all size_t): heap bytes (arena), mmapped bytes (hblkhd), in use (uordblks), free (fordblks).</summary>
    [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Sequential)]
    private struct MallocInfo
    {
        public nuint Arena, Ordblks, Smblks, Hblks, Hblkhd, Usmblks, Fsmblks, Uordblks, Fordblks, Keepcost;
    }

    [System.Runtime.InteropServices.DllImport("libc.so.6", EntryPoint = "mallinfo2")]
    private static extern MallocInfo MallInfo2();
}
