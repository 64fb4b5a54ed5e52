import { TokenSnippets } from './token-snippets';

/**
 * Help for after the reveal: the snippets with a placeholder, and the product page's troubleshooting,
 * in its words (the limits from the server's tokenRules).
 */
export function UseYourToken({ rules }: { rules: { nameMaxLength: number; maxActiveTokens: number } }) {
  return (
    <section class="card help" aria-labelledby="use-title">
      <h2 id="use-title">Use your API token</h2>
      <p>Your API token is required to authenticate with the Pogodoc API. Here are the most common ways to use it:</p>
      <TokenSnippets token="your_generated_token_here" />
      <h3 id="troubleshooting-title">Troubleshooting</h3>
      <dl class="troubleshooting">
        <dt>Token not working</dt>
        <dd>
          <ul>
            <li>Check that you're including the token correctly in API requests</li>
            <li>Confirm your subscription is active and in good standing</li>
            <li>Verify the token is still active (not deleted)</li>
          </ul>
        </dd>
        <dt>Token generation failed</dt>
        <dd>
          <ul>
            <li>Maximum length is {rules.nameMaxLength} characters</li>
            <li>Ensure you're subscribed to a valid plan</li>
            <li>Verify you haven't reached the {rules.maxActiveTokens}-token limit</li>
          </ul>
        </dd>
      </dl>
    </section>
  );
}
