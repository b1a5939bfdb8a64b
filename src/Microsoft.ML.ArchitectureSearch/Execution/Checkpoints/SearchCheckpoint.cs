using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Microsoft.ML.ArchitectureSearch.Execution.Checkpoints;

/// <summary>
/// The durable record of a search in one directory:
/// <list type="bullet">
/// <item><c>manifest.json</c>: what the search means (<see cref="CheckpointManifest"/>), written once.</item>
/// <item><c>trials.jsonl</c>: append-only, one line per finished proposal, each line carrying a digest of itself, flushed to
/// disk before the next trial starts. A torn last line (the process died while writing it) is detected, reported and
/// dropped: that trial was in flight and is trained again. Any other damaged line is an error.</item>
/// <item><c>strategy.state</c>: the strategy's state after learning from a batch, replaced atomically (write, flush,
/// rename) and guarded by a digest.</item>
/// </list>
/// On resume the strategy state is loaded and the batch after it is proposed again; proposals that the log already holds
/// reuse the logged results, so the run continues exactly as an uninterrupted one (on CPU, with the same seed).
/// </summary>
internal sealed class SearchCheckpoint : IDisposable
{
    private const string ManifestFile = "manifest.json";
    private const string TrialsFile = "trials.jsonl";
    private const string StateFile = "strategy.state";
    private static readonly byte[] StateMagic = "NASCKPT1"u8.ToArray();

    private readonly object _appendGate = new();
    private FileStream? _trials;

    private SearchCheckpoint(string directory) => Directory = directory;

    /// <summary>The checkpoint directory.</summary>
    public string Directory { get; }

    /// <summary>Trials read back from the log, in index order.</summary>
    public IReadOnlyList<TrialRecord> RestoredTrials { get; private set; } = Array.Empty<TrialRecord>();

    /// <summary>The last saved strategy state, or null when none was saved yet.</summary>
    public StrategyCheckpoint? RestoredState { get; private set; }

    /// <summary>Problems found and worked around while reading (a torn last line); empty when the files were whole.</summary>
    public IReadOnlyList<string> Warnings { get; private set; } = Array.Empty<string>();

    /// <summary>
    /// Opens (creating if needed) a checkpoint directory for a search described by <paramref name="manifest"/>. Throws
    /// <see cref="InvalidOperationException"/> when the directory holds a different search, and
    /// <see cref="InvalidDataException"/> when its files are damaged beyond a torn last trial line.
    /// </summary>
    public static SearchCheckpoint Open(string directory, CheckpointManifest manifest)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        System.IO.Directory.CreateDirectory(directory);
        var checkpoint = new SearchCheckpoint(Path.GetFullPath(directory));
        checkpoint.CheckOrWriteManifest(manifest);
        var warnings = new List<string>();
        checkpoint.RestoredTrials = ReadTrials(checkpoint.Directory, warnings, repair: true);
        checkpoint.RestoredState = checkpoint.ReadState();
        checkpoint.Warnings = warnings;
        checkpoint.CheckConsistency();
        checkpoint._trials = new FileStream(Path.Combine(checkpoint.Directory, TrialsFile), FileMode.Append, FileAccess.Write, FileShare.Read);
        return checkpoint;
    }

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

    /// <summary>Replaces the strategy state atomically, recording how many batches it has learned from.</summary>
    public void SaveState(int batchesLearned, TimeSpan elapsed, Action<Stream> writeStrategyState)
    {
        using var payload = new MemoryStream();
        writeStrategyState(payload);
        byte[] body = payload.ToArray();
        AtomicFile.Write(Path.Combine(Directory, StateFile), stream =>
        {
            using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
            writer.Write(StateMagic);
            writer.Write(batchesLearned);
            writer.Write(elapsed.Ticks);
            writer.Write(body.Length);
            writer.Write(body);
            writer.Write(SHA256.HashData(Header(batchesLearned, elapsed.Ticks, body)));
        });
    }

    public void Dispose()
    {
        lock (_appendGate)
        {
            _trials?.Dispose();
            _trials = null;
        }
    }

    private void CheckOrWriteManifest(CheckpointManifest manifest)
    {
        string path = Path.Combine(Directory, ManifestFile);
        if (!File.Exists(path))
        {
            AtomicFile.Write(path, s => JsonSerializer.Serialize(s, manifest, CheckpointJson.Indented));
            return;
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
        return ReadTrials(directory, warnings ?? new List<string>(), repair: false);
    }

    private static List<TrialRecord> ReadTrials(string directory, List<string> warnings, bool repair)
    {
        string path = Path.Combine(directory, TrialsFile);
        var trials = new List<TrialRecord>();
        if (!File.Exists(path)) return trials;
        byte[] bytes = File.ReadAllBytes(path);
        string text = Encoding.UTF8.GetString(bytes);
        string[] lines = text.Split('\n');
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
                    warnings.Add($"{path}: the last line ({line.Length} bytes) was torn by an interrupted write; that trial will run again.");
                    if (repair) TruncateTo(path, bytes.Length - Encoding.UTF8.GetByteCount(line));
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
        return trials;
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

    private StrategyCheckpoint? ReadState()
    {
        string path = Path.Combine(Directory, StateFile);
        if (!File.Exists(path)) return null;
        byte[] bytes = File.ReadAllBytes(path);
        try
        {
            using var reader = new BinaryReader(new MemoryStream(bytes));
            byte[] magic = reader.ReadBytes(StateMagic.Length);
            if (!magic.AsSpan().SequenceEqual(StateMagic))
                throw new InvalidDataException("it does not start with the checkpoint signature");
            int batches = reader.ReadInt32();
            long ticks = reader.ReadInt64();
            int length = reader.ReadInt32();
            if (length < 0 || length > bytes.Length) throw new InvalidDataException($"its payload length {length} is impossible");
            byte[] body = reader.ReadBytes(length);
            byte[] digest = reader.ReadBytes(32);
            if (body.Length != length || digest.Length != 32 || !digest.AsSpan().SequenceEqual(SHA256.HashData(Header(batches, ticks, body))))
                throw new InvalidDataException("its digest does not match its content (truncated or modified)");
            return new StrategyCheckpoint(batches, TimeSpan.FromTicks(ticks), body);
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

    private void CheckConsistency()
    {
        int learned = RestoredState?.BatchesLearned ?? 0;
        // Learned batches must be complete: trials 0..k-1 all present. Only the batch after them may be partial.
        int k = RestoredTrials.Count(t => t.Batch < learned);
        foreach (TrialRecord t in RestoredTrials)
        {
            bool fits = t.Batch < learned ? t.Index < k : t.Batch == learned && t.Index >= k;
            if (!fits)
                throw new InvalidDataException(
                    $"Checkpoint '{Directory}' is inconsistent: trial {t.Index} of batch {t.Batch} does not fit a strategy state that learned {learned} batches ({k} trials).");
        }
    }

    private static byte[] Header(int batches, long ticks, byte[] body)
    {
        var buffer = new byte[12 + body.Length];
        BitConverter.TryWriteBytes(buffer.AsSpan(0, 4), batches);
        BitConverter.TryWriteBytes(buffer.AsSpan(4, 8), ticks);
        body.CopyTo(buffer, 12);
        return buffer;
    }

    private static string Digest(string json) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(json)), 0, 8);
}

/// <summary>A saved strategy state and how far the search had come when it was saved.</summary>
internal sealed record StrategyCheckpoint(int BatchesLearned, TimeSpan Elapsed, byte[] State);
