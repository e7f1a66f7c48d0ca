using Sdpo.Service.Persistence;
using Sdpo.Service.Tests.Support;

namespace Sdpo.Service.Tests;

public sealed class DatabaseStartupTests : IDisposable
{
    private readonly TestDataFolder _data = new();

    public void Dispose() => _data.Dispose();

    private string DatabaseFile => Path.Combine(_data.Path, "sdpo.db");

    private string[] Args(string dataFolder) =>
        ["--urls", "http://127.0.0.1:0", "--Service:DataFolder", dataFolder, "--Service:LoadModelsAtStart", "false", "--Logging:LogLevel:Default", "Warning"];

    [Fact]
    public async Task A_corrupt_database_stops_the_start_with_one_line_naming_the_file_and_what_to_do()
    {
        await File.WriteAllTextAsync(DatabaseFile, "This is not an SQLite database, only text that fills more than its header.");
        await using var app = ProgramApp.Build(Args(_data.Path));

        var error = await Assert.ThrowsAsync<DatabaseUnavailableException>(() => app.StartAsync());
        Assert.StartsWith($"The database {DatabaseFile} cannot be used: SQLite Error 26: 'file is not a database'.", error.Message);
        Assert.Contains("move it", error.Message);
        Assert.Contains("Service:DataFolder", error.Message);
        Assert.DoesNotContain('\n', error.Message);
        Assert.Null(error.StackTrace);
    }

    [Fact]
    public async Task A_data_folder_that_cannot_be_created_stops_the_start_naming_the_folder()
    {
        // Not even root can create a folder in /proc.
        await using var app = ProgramApp.Build(Args("/proc/sdpo-no-such-data"));

        var error = await Assert.ThrowsAsync<DatabaseUnavailableException>(() => app.StartAsync());
        Assert.StartsWith("The data folder /proc/sdpo-no-such-data cannot be created: ", error.Message);
        Assert.Contains("Service:DataFolder", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public async Task The_service_exits_with_code_1_and_the_reason_not_an_abort()
    {
        await File.WriteAllTextAsync(DatabaseFile, "This is not an SQLite database, only text that fills more than its header.");
        var (exitCode, text) = await RunServiceAsync(Args(_data.Path));

        Assert.True(exitCode == 1, $"exit code {exitCode}:\n{text}");
        Assert.Contains($"The database {DatabaseFile} cannot be used: SQLite Error 26", text);
        Assert.DoesNotContain("Unhandled exception", text);
    }

    [Fact]
    public async Task An_address_in_use_exits_with_code_1_and_says_so_not_an_abort()
    {
        using var holder = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        holder.Start();
        int port = ((System.Net.IPEndPoint)holder.LocalEndpoint).Port;
        var args = Args(_data.Path);
        args[1] = $"http://127.0.0.1:{port}";
        var (exitCode, text) = await RunServiceAsync(args);

        Assert.True(exitCode == 1, $"exit code {exitCode}:\n{text}");
        Assert.Contains("address already in use", text);
        Assert.Contains("--urls", text);
        Assert.DoesNotContain("Unhandled exception", text);
    }

    [Fact]
    public async Task A_second_instance_on_the_same_data_folder_refuses_to_start_with_one_line_and_exit_code_1()
    {
        // Both ran the same runs, each writing the other's rows and state files, and cancels sent to one missed the other's runs.
        await using (var first = ProgramApp.Build(Args(_data.Path)))
        {
            await first.StartAsync();

            await using (var second = ProgramApp.Build(Args(_data.Path)))
            {
                var error = await Assert.ThrowsAsync<DatabaseUnavailableException>(() => second.StartAsync());
                Assert.StartsWith($"Another instance of the service uses the data folder {_data.Path}", error.Message);
                Assert.Contains("Service:DataFolder", error.Message);
                Assert.DoesNotContain('\n', error.Message);
            }
            var (exitCode, text) = await RunServiceAsync(Args(_data.Path));
            Assert.True(exitCode == 1, $"exit code {exitCode}:\n{text}");
            Assert.Contains("Another instance of the service uses the data folder", text);
            Assert.DoesNotContain("Unhandled exception", text);
            await first.StopAsync();
        }

        // Released with the first: the next start takes the folder.
        await using var next = ProgramApp.Build(Args(_data.Path));
        await next.StartAsync();
        await next.StopAsync();
    }

    [Fact]
    public async Task A_lock_file_that_cannot_be_opened_stops_the_start_naming_it_not_another_instance()
    {
        // What the service's user cannot open (here a folder in its place; a read-only data folder does the same for a
        // user other than root) is no sign of a second instance, and must not end the start with a stack trace.
        Directory.CreateDirectory(Path.Combine(_data.Path, DataFolderLock.FileName));
        await using var app = ProgramApp.Build(Args(_data.Path));

        var error = await Assert.ThrowsAsync<DatabaseUnavailableException>(() => app.StartAsync());
        Assert.StartsWith($"The lock file {Path.Combine(_data.Path, DataFolderLock.FileName)} cannot be opened: ", error.Message);
        Assert.DoesNotContain("Another instance", error.Message);
        Assert.Contains("Service:DataFolder", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    private Task<(int ExitCode, string Output)> RunServiceAsync(string[] args) => ServiceProcess.RunAsync(_data.Path, args);
}
