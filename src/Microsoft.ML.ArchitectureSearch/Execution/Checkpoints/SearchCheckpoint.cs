using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Microsoft.ML.ArchitectureSearch.Execution.Checkpoints;

/// <summary>
/// The durable record of a search in one directory:
/// <list type="bullet">
/// <item><c>manifest.json</c>: what the search means (<see cref="CheckpointManifest"/>), written once.</item>
/// <item><c>trials.jsonl</c>: append-only, one line per finished proposal, each line carrying a digest of itself, flushed to
/// disk before the next trial starts. A torn last line (the process died while writing it) of the batch the strategy has
/// not learned yet is reported and dropped: that trial was in flight and is trained again with the same architecture and
/// seed. Any other damaged line is an error.</item>
/// <item><c>strategy.state</c>: the strategy's state after learning from a batch and how many trials those batches held,
/// replaced atomically (write, flush, rename) and guarded by a digest.</item>
/// <item><c>search.lock</c>: held exclusively for the life of the search (<see cref="CheckpointLock"/>).</item>
/// </list>
/// On resume the strategy state is loaded and the batch after it is proposed again; proposals that the log already holds
/// reuse the logged results, so the run continues exactly as an uninterrupted one (on CPU, with the same seed). Files that
/// do not fit together (one missing, a learned trial lost) are refused with the file named, never silently restarted.
/// </summary>
internal sealed class SearchCheckpoint : IDisposable
{
    private const string ManifestFile = "manifest.json";
    private const string TrialsFile = "trials.jsonl";
    private const string StateFile = "strategy.state";
    private static readonly byte[] StateMagicV1 = "NASCKPT1"u8.ToArray();
    private static readonly byte[] StateMagic = "NASCKPT2"u8.ToArray();

    private readonly object _appendGate = new();
    private readonly CheckpointLock _lock;
    private FileStream? _trials;

    private SearchCheckpoint(string directory, CheckpointLock held)
    {
        Directory = directory;
        _lock = held;
    }

    /// <summary>The checkpoint directory.</summary>
    public string Directory { get; }

    /// <summary>Trials read back from the log, in index order.</summary>
    public IReadOnlyList<TrialRecord> RestoredTrials { get; private set; } = Array.Empty<TrialRecord>();

    /// <summary>The last saved strategy state, or null when none was saved yet.</summary>
    public StrategyCheckpoint? RestoredState { get; private set; }

    /// <summary>
    /// Opens (creating if needed) a checkpoint directory for a search described by <paramref name="manifest"/>, holding
    /// its lock until disposed, and writes every decision about it (new, resumed, what was dropped) to
    /// <paramref name="log"/>. Throws <see cref="IOException"/> when another search holds the directory,
    /// <see cref="InvalidOperationException"/> when it holds a different search, and <see cref="InvalidDataException"/>
    /// when its files are missing, damaged or inconsistent beyond a torn last trial line.
    /// </summary>
    public static SearchCheckpoint Open(string directory, CheckpointManifest manifest, ISearchLog log)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        string full = Path.GetFullPath(directory);
        System.IO.Directory.CreateDirectory(full);
        CheckpointLock held = CheckpointLock.Acquire(full);
        var checkpoint = new SearchCheckpoint(full, held);
        try
        {
            checkpoint.Load(manifest, log);
            return checkpoint;
        }
        catch
        {
            checkpoint.Dispose();
            throw;
        }
    }

    private void Load(CheckpointManifest manifest, ISearchLog log)
    {
        string trialsPath = Path.Combine(Directory, TrialsFile), statePath = Path.Combine(Directory, StateFile);
        bool hasTrials = File.Exists(trialsPath), hasState = File.Exists(statePath);
        if (!CheckOrWriteManifest(manifest, hasTrials || hasState))
        {
            log.Info($"Checkpoint {Directory}: new search, manifest written.");
            _trials = OpenForAppend(trialsPath);
            return;
        }
        TrialLog read = ReadTrials(Directory);
        RestoredTrials = read.Trials;
        RestoredState = ReadState(Directory);
        CheckConsistency(hasTrials, read);
        if (read.TornBytes > 0)
        {
            // Only now that the rest is known to fit: the torn line belonged to the batch in flight.
            TruncateTo(trialsPath, read.WholeBytes);
            log.Warning($"Checkpoint '{trialsPath}': the last line ({read.TornBytes} bytes) was torn by an interrupted write and was dropped; " +
                "that trial runs again with the same architecture and seed.");
        }
        int learned = RestoredState?.BatchesLearned ?? 0;
        int replayed = RestoredTrials.Count(t => t.Batch >= learned);
        log.Info($"Resumed search from {Directory}: {RestoredTrials.Count - replayed} trials, {learned} batches learned; " +
            $"{replayed} logged trials of the unfinished batch are reused.");
        _trials = OpenForAppend(trialsPath);
    }

    private static FileStream OpenForAppend(string path) => new(path, FileMode.Append, FileAccess.Write, FileShare.Read);

    /// <summary>Appends one finished proposal and flushes it to disk. Thread-safe.</summary>
    public void AppendTrial(TrialRecord trial)
    {
        string json = JsonSerializer.Serialize(trial, CheckpointJson.Options);
        byte[] line = Encoding.UTF8.GetBytes(json + "\t" + Digest(json) + "\n");
        lock (_appendGate)
        {
            FileStream stream = _trials ?? throw new ObjectDisposedException(nameof(SearchCheckpoint));
            stream.Write(line);
            stream.Flush(flushToDisk: true);
        }
    }

    /// <summary>
    /// Replaces the strategy state atomically, recording how many batches it has learned from and how many trials those
    /// batches held (so that a lost trial line is detected on resume).
    /// </summary>
    public void SaveState(int batchesLearned, int trialsLearned, TimeSpan elapsed, Action<Stream> writeStrategyState)
    {
        using var payload = new MemoryStream();
        writeStrategyState(payload);
        byte[] body = payload.ToArray();
        AtomicFile.Write(Path.Combine(Directory, StateFile), stream =>
        {
            using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
            writer.Write(StateMagic);
            writer.Write(batchesLearned);
            writer.Write(trialsLearned);
            writer.Write(elapsed.Ticks);
            writer.Write(body.Length);
            writer.Write(body);
            writer.Write(SHA256.HashData(Header(batchesLearned, trialsLearned, elapsed.Ticks, body)));
        });
    }

    public void Dispose()
    {
        lock (_appendGate)
        {
            _trials?.Dispose();
            _trials = null;
        }
        _lock.Dispose();
    }

    /// <summary>Checks the manifest against this search's; writes it when the directory holds no search yet. True when it existed.</summary>
    private bool CheckOrWriteManifest(CheckpointManifest manifest, bool holdsSearchFiles)
    {
        string path = Path.Combine(Directory, ManifestFile);
        if (!File.Exists(path))
        {
            if (holdsSearchFiles)
                throw new InvalidDataException(
                    $"Checkpoint directory '{Directory}' holds {TrialsFile} or {StateFile} but its {ManifestFile} is missing, so nothing tells " +
                    "which search they belong to; refusing to resume. Restore the manifest, or use another CheckpointDirectory.");
            AtomicFile.Write(path, s => JsonSerializer.Serialize(s, manifest, CheckpointJson.Indented));
            return false;
        }
        CheckpointManifest? existing;
        try
        {
            existing = JsonSerializer.Deserialize<CheckpointManifest>(File.ReadAllText(path), CheckpointJson.Options);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"Checkpoint manifest '{path}' is corrupt: {e.Message}", e);
        }
        if (existing is null)
            throw new InvalidDataException($"Checkpoint manifest '{path}' is empty.");
        string? differences = manifest.DescribeDifferences(existing);
        if (differences != null)
            throw new InvalidOperationException(
                $"Checkpoint directory '{Directory}' holds a different search, so it cannot be resumed with these options ({differences}). " +
                "Use another CheckpointDirectory, or the original options.");
        return true;
    }

    /// <summary>
    /// Reads the trial log of a checkpoint directory without opening it for a search (for reports). A torn last line is
    /// skipped and reported in <paramref name="warnings"/>; the file is not modified.
    /// </summary>
    public static IReadOnlyList<TrialRecord> ReadTrialLog(string directory, List<string>? warnings = null)
    {
        if (!System.IO.Directory.Exists(directory))
            throw new DirectoryNotFoundException($"Checkpoint directory '{directory}' does not exist.");
        if (!File.Exists(Path.Combine(directory, TrialsFile)))
            throw new FileNotFoundException($"Checkpoint directory '{directory}' has no {TrialsFile}: no trial has finished there.", Path.Combine(directory, TrialsFile));
        TrialLog read = ReadTrials(directory);
        if (read.TornBytes > 0)
            warnings?.Add($"{Path.Combine(directory, TrialsFile)}: the last line ({read.TornBytes} bytes) was torn by an interrupted write and was skipped.");
        return read.Trials;
    }

    /// <summary>The whole records of a trial log, and the torn tail after them (0 bytes when the file ends cleanly).</summary>
    private sealed record TrialLog(List<TrialRecord> Trials, long WholeBytes, int TornBytes);

    private static TrialLog ReadTrials(string directory)
    {
        string path = Path.Combine(directory, TrialsFile);
        var trials = new List<TrialRecord>();
        if (!File.Exists(path)) return new TrialLog(trials, 0, 0);
        byte[] bytes = File.ReadAllBytes(path);
        string text = Encoding.UTF8.GetString(bytes);
        string[] lines = text.Split('\n');
        int tornBytes = 0;
        // The text after the last '\n' is a line whose write never finished (or "" when the file ends cleanly).
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i];
            bool isLast = i == lines.Length - 1;
            if (line.Length == 0 && isLast) break;
            TrialRecord? trial = ParseLine(line);
            if (trial == null)
            {
                if (isLast)
                {
                    tornBytes = Encoding.UTF8.GetByteCount(line);
                    break;
                }
                throw new InvalidDataException(
                    $"Checkpoint trial log '{path}' is corrupt at line {i + 1} (its digest does not match its content). " +
                    "It was not written by an interrupted search; refusing to resume from it.");
            }
            // Parallel children finish in any order, so indexes may come out of order; each appears once.
            if (trial.Index < 0 || trials.Any(t => t.Index == trial.Index))
                throw new InvalidDataException(
                    $"Checkpoint trial log '{path}' is corrupt at line {i + 1}: trial index {trial.Index} is impossible or repeated. Refusing to resume from it.");
            trials.Add(trial);
        }
        trials.Sort((a, b) => a.Index.CompareTo(b.Index));
        return new TrialLog(trials, bytes.Length - tornBytes, tornBytes);
    }

    private static TrialRecord? ParseLine(string line)
    {
        int tab = line.LastIndexOf('\t');
        if (tab < 0) return null;
        string json = line[..tab];
        if (line[(tab + 1)..] != Digest(json)) return null;
        try
        {
            return JsonSerializer.Deserialize<TrialRecord>(json, CheckpointJson.Options);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static void TruncateTo(string path, long length)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Write);
        stream.SetLength(length);
        stream.Flush(flushToDisk: true);
    }

    /// <summary>
    /// The last saved state of a checkpoint directory without opening it for a search (for reports), or null when none
    /// was saved yet; a damaged state is an <see cref="InvalidDataException"/>. The directory is not modified.
    /// </summary>
    public static StrategyCheckpoint? ReadState(string directory)
    {
        string path = Path.Combine(directory, StateFile);
        if (!File.Exists(path)) return null;
        byte[] bytes = File.ReadAllBytes(path);
        try
        {
            using var reader = new BinaryReader(new MemoryStream(bytes));
            byte[] magic = reader.ReadBytes(StateMagic.Length);
            bool v1 = magic.AsSpan().SequenceEqual(StateMagicV1);
            if (!v1 && !magic.AsSpan().SequenceEqual(StateMagic))
                throw new InvalidDataException("it does not start with the checkpoint signature");
            int batches = reader.ReadInt32();
            int? trials = v1 ? null : reader.ReadInt32();
            long ticks = reader.ReadInt64();
            int length = reader.ReadInt32();
            if (length < 0 || length > bytes.Length) throw new InvalidDataException($"its payload length {length} is impossible");
            byte[] body = reader.ReadBytes(length);
            byte[] digest = reader.ReadBytes(32);
                        if (body.Length != length || digest.Length != 32 || !digest.AsSpan().SequenceEqual(SHA256.HashData(Header(batches, trials, ticks, body))))
                throw new InvalidDataException("its digest does not match its content (truncated or modified)");
            return new StrategyCheckpoint(batches, trials, TimeSpan.FromTicks(ticks), body);
        }
        catch (EndOfStreamException)
        {
            throw new InvalidDataException($"Checkpoint strategy state '{path}' is truncated; refusing to resume from it.");
        }
        catch (InvalidDataException e) when (!e.Message.StartsWith("Checkpoint", StringComparison.Ordinal))
        {
            throw new InvalidDataException($"Checkpoint strategy state '{path}' is corrupt: {e.Message}; refusing to resume from it.", e);
        }
    }

    /// <summary>The trial log and the strategy state must describe the same search: refuses with the file at fault named.</summary>
    private void CheckConsistency(bool hasTrials, TrialLog read)
    {
        string trialsPath = Path.Combine(Directory, TrialsFile), statePath = Path.Combine(Directory, StateFile);
        int learned = RestoredState?.BatchesLearned ?? 0;
        if (RestoredState is null && RestoredTrials.FirstOrDefault(t => t.Batch > 0) is { } later)
            throw new InvalidDataException(
                $"Checkpoint strategy state '{statePath}' is missing, but the trial log reaches batch {later.Batch}; refusing to resume " +
                "(the search would restart and diverge). Restore the file, or use another CheckpointDirectory.");
        if (!hasTrials && learned > 0)
            throw new InvalidDataException(
                $"Checkpoint trial log '{trialsPath}' is missing, but the strategy state has learned {learned} batches; refusing to resume " +
                "(the finished trials would be lost). Restore the file, or use another CheckpointDirectory.");
        // Learned batches must be complete: trials 0..k-1 all present. Only the batch after them may be partial.
        int k = RestoredTrials.Count(t => t.Batch < learned);
        if (RestoredState?.TrialsLearned is { } expected && k != expected)
            throw new InvalidDataException(read.TornBytes > 0 && k == expected - 1
                ? $"Checkpoint trial log '{trialsPath}' ends in a damaged line that holds a trial the strategy state already learned from, " +
                  "so it is not a write interrupted by a crash (that trial cannot be rerun exactly); refusing to resume."
                : $"Checkpoint trial log '{trialsPath}' holds {k} trials of the {learned} batches the strategy state learned from, " +
                  $"which recorded {expected}: trial lines were lost; refusing to resume.");
        foreach (TrialRecord t in RestoredTrials)
        {
            bool fits = t.Batch < learned ? t.Index < k : t.Batch == learned && t.Index >= k;
            if (!fits)
                throw new InvalidDataException(
                    $"Checkpoint '{Directory}' is inconsistent: trial {t.Index} of batch {t.Batch} in '{trialsPath}' does not fit the strategy state " +
                    $"in '{statePath}', which learned {learned} batches ({k} trials); refusing to resume.");
        }
    }

    /// <summary>What the state's digest covers; format 1 states (<paramref name="trials"/> null) did not record the trial count.</summary>
    private static byte[] Header(int batches, int? trials, long ticks, byte[] body)
    {
        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(batches);
            if (trials is { } t) writer.Write(t);
            writer.Write(ticks);
            writer.Write(body);
        }
        return buffer.ToArray();
    }

    private static string Digest(string json) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(json)), 0, 8);
}

/// <summary>
/// A saved strategy state and how far the search had come when it was saved (<paramref name="TrialsLearned"/> is null in
/// states written before it was recorded).
/// </summary>
internal sealed record StrategyCheckpoint(int BatchesLearned, int? TrialsLearned, TimeSpan Elapsed, byte[] State);
