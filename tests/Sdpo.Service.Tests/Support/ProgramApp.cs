using Microsoft.AspNetCore.Builder;

namespace Sdpo.Service.Tests.Support;

/// <summary>The service as Program.cs builds it (real Kestrel, the repository's appsettings.json), from command-line arguments.</summary>
public static class ProgramApp
{
    public static WebApplication Build(params string[] args)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args });
        builder.AddSdpoService();
        var app = builder.Build();
        app.UseSdpoService();
        return app;
    }
}
