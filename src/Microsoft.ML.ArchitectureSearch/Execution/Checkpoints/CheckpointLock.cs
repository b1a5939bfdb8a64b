using System.Text.Json;

namespace Microsoft.ML.ArchitectureSearch.Execution.Checkpoints;

/// <summary>
/// Exclusive ownership of a checkpoint directory for the life of one search. The lock is the operating system's own
/// lock on an open file (.NET opens <c>search.lock</c> with <see cref="FileShare.None"/>: flock(LOCK_EX) on Unix, a
/// sharing lock on Windows), so it is released by the kernel when the owner exits in any way, SIGKILL included, and a
/// killed search never blocks the next one. The owner's process id and host are written to a separate file, because a
/// locked file cannot be opened by the process that is refused.
/// </summary>
internal sealed class CheckpointLock : IDisposable
{
    internal const string LockFile = "search.lock";
    internal const string OwnerFile = "search.owner.json";

    private readonly string _ownerPath;
    private FileStream? _lock;

    private CheckpointLock(FileStream held, string ownerPath)
    {
        _lock = held;
        _ownerPath = ownerPath;
    }

    /// <summary>
    /// Takes the lock of <paramref name="directory"/> at once or throws <see cref="IOException"/> naming the directory
    /// and, when it recorded itself, the search that holds it. Never waits.
    /// </summary>
    public static CheckpointLock Acquire(string directory)
    {
        string lockPath = Path.Combine(directory, LockFile);
        string ownerPath = Path.Combine(directory, OwnerFile);
        FileStream held;
        try
        {
            held = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e) when (e is not FileNotFoundException and not DirectoryNotFoundException and not PathTooLongException)
        {
            throw new IOException(
                $"Checkpoint directory '{directory}' is in use by another search{DescribeOwner(ownerPath)}. " +
                "Two searches cannot share one CheckpointDirectory: wait for that one to finish, stop it, or use another directory.", e);
        }
        var owner = new LockOwner(Environment.ProcessId, Environment.MachineName, DateTimeOffset.UtcNow);
        AtomicFile.Write(ownerPath, s => JsonSerializer.Serialize(s, owner, CheckpointJson.Options));
        return new CheckpointLock(held, ownerPath);
    }

    /// <summary>Releases the lock; the owner record is removed first so that it never names a search that let go.</summary>
    public void Dispose()
    {
        if (_lock is null) return;
        try
        {
            File.Delete(_ownerPath);
        }
        catch (IOException)
        {
            // Best effort: a stale owner record only affects the wording of a later refusal, never the lock itself.
        }
        _lock.Dispose();
        _lock = null;
    }

    private static string DescribeOwner(string ownerPath)
    {
        try
        {
            if (File.Exists(ownerPath) && JsonSerializer.Deserialize<LockOwner>(File.ReadAllText(ownerPath), CheckpointJson.Options) is { } owner)
                return $" (process {owner.ProcessId} on host '{owner.Host}', started {owner.StartedUtc:yyyy-MM-dd HH:mm:ss} UTC)";
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
        {
            // The owner may be between taking the lock and recording itself; the refusal stands without its name.
        }
        return "";
    }

    private sealed record LockOwner(int ProcessId, string Host, DateTimeOffset StartedUtc);
}
