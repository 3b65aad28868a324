//! Swagger UI, served from the binary, with one plugin of ours: a chart answer is shown as an
//! image.
//!
//! Swagger UI shows an `image/svg+xml` answer as its source text, on purpose: an SVG opened as a
//! page can run script. The forecast calls answer charts, so the page's initializer (the one
//! file Swagger UI expects a deployment to change) adds a plugin that shows such an answer as an
//! `<img>` of a `data:` URL, where an SVG's scripts never run and nothing is fetched.

use axum::Router;
use axum::http::header;
use axum::routing::get;
use utoipa_swagger_ui::{Config, SwaggerUi};

use super::{AppState, OPENAPI_PATH};

/// Where Swagger UI is served.
pub const PATH: &str = "/swagger-ui";
/// The initializer's path, served by [`routes`] rather than by `utoipa-swagger-ui`.
pub const INITIALIZER_PATH: &str = "/swagger-ui/swagger-initializer.js";

/// The plugin, in the initializer's JavaScript.
const SVG_AS_IMAGE: &str = r#"// prebuild-decider: show an image/svg+xml answer (a forecast's chart) as an image, not as text.
// An SVG shown by an <img> runs no script and fetches nothing.
const SvgAnswerAsImage = function () {
  return {
    wrapComponents: {
      responseBody: (Original, system) => (props) => {
        const React = system.React;
        const type = String(props.contentType || '');
        if (!/^image\/svg\+xml/i.test(type)) return React.createElement(Original, props);
        const src = typeof props.content === 'string'
          ? 'data:image/svg+xml;charset=utf-8,' + encodeURIComponent(props.content)
          : window.URL.createObjectURL(props.content);
        return React.createElement('div', null,
          React.createElement('h5', null, 'Response body'),
          React.createElement('img', {
            src: src,
            alt: 'chart',
            className: 'svg-answer',
            style: { maxWidth: '100%', background: '#fff' },
          }));
      },
    },
  };
};
"#;

fn config() -> Config<'static> {
    Config::from(OPENAPI_PATH)
        .try_it_out_enabled(true)
        // Swagger UI would otherwise send the document to validator.swagger.io when not on localhost.
        .validator_url("none")
}

/// Swagger UI's routes: its files from `utoipa-swagger-ui`, and our initializer.
pub fn routes() -> Router<AppState> {
    let initializer = initializer();
    Router::new()
        .route(
            INITIALIZER_PATH,
            get(move || async move {
                (
                    [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
                    initializer,
                )
            }),
        )
        .merge(SwaggerUi::new(PATH).config(config()))
}

/// `utoipa-swagger-ui`'s initializer for [`config`], with the plugin added to its list.
fn initializer() -> String {
    let file = utoipa_swagger_ui::serve("swagger-initializer.js", std::sync::Arc::new(config()))
        .expect("the initializer is formatted from plain settings")
        .expect("utoipa-swagger-ui has an initializer");
    let text = String::from_utf8(file.bytes.into_owned()).expect("the initializer is UTF-8");
    const PLUGINS: &str = "SwaggerUIBundle.plugins.DownloadUrl";
    assert!(
        text.contains(PLUGINS),
        "the initializer lists Swagger UI's plugins: {text}"
    );
    format!(
        "{SVG_AS_IMAGE}\n{}",
        text.replacen(PLUGINS, &format!("{PLUGINS},\n      SvgAnswerAsImage"), 1)
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_initializer_adds_the_plugin_to_swagger_uis_own() {
        let text = super::initializer();
        assert!(text.contains("const SvgAnswerAsImage"));
        assert!(text.contains("SwaggerUIBundle.plugins.DownloadUrl,\n      SvgAnswerAsImage"));
        assert!(text.contains("\"/api-docs/openapi.json\""), "{text}");
        assert!(text.contains("\"tryItOutEnabled\": true"), "{text}");
    }
}
