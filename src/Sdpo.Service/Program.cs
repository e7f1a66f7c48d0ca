using Sdpo.Service;
using Sdpo.Service.Configuration;
using Sdpo.Service.Persistence;

var builder = WebApplication.CreateBuilder(args);
builder.AddSdpoService();

var app = builder.Build();
app.UseSdpoService();
try
{
    app.Run();
}
catch (Exception e) when (e is DatabaseUnavailableException or ServiceSettingsException)
{
    // The host has logged the reason, one line naming the file or the setting and what to do: exit with an error, not an abort.
    return 1;
}
catch (IOException e) when (e.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException)
{
    Console.Error.WriteLine($"{e.Message} Stop what uses it, or listen elsewhere with --urls or ASPNETCORE_URLS.");
    return 1;
}
return 0;

/// <summary>The entry point, visible to the integration tests' WebApplicationFactory.</summary>
public partial class Program;
