using Microsoft.Extensions.Options;
using Syndicate.Mail;
using Syndicate.Site;
using Syndicate.Templates;

namespace Syndicate.Subscribers;

/// <summary>
/// Sends the double opt-in mail: confirm.html in the layout and confirm.txt, with the variables <c>site</c>
/// (title, url, description, language), <c>subscriber</c> (email, name) and <c>confirm_url</c>.
/// </summary>
internal sealed class ConfirmationMailer(TemplateSet templates, MailComposer composer, IMailTransport transport, IOptions<SiteOptions> site)
{
    public const string Template = "confirm";

    public async Task SendAsync(string email, string name, string confirmUrl, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(email);
        ArgumentException.ThrowIfNullOrWhiteSpace(confirmUrl);
        var siteModel = SiteModel.From(site.Value);
        var subscriber = new SubscriberModel(MailComposer.SingleLine(email), MailComposer.SingleLine(name));
        var rendered = templates.Render(Template, new ConfirmationModel(siteModel, subscriber, confirmUrl));
        var message = composer.Compose(
            subscriber.Email,
            subscriber.Name,
            $"Confirm your subscription to {siteModel.Title}",
            rendered.Html,
            rendered.Text);
        await transport.SendAsync(message, cancellationToken);
    }

    private sealed record SubscriberModel(string Email, string Name);

    private sealed record ConfirmationModel(SiteModel Site, SubscriberModel Subscriber, string ConfirmUrl);
}
