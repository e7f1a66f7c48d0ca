using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Sdpo.Service.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class AttemptVerdictReusedSandboxed : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<bool>(
                name: "Sandboxed",
                table: "attempts",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<bool>(
                name: "VerdictReused",
                table: "attempts",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "Sandboxed",
                table: "attempts");

            migrationBuilder.DropColumn(
                name: "VerdictReused",
                table: "attempts");
        }
    }
}
